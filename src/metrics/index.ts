/** Prometheus metrics of a download: per-host and per-rank series, the /metrics endpoint, file_sd targets. */
export { startMetrics, OUTPUT_LABEL, type RankMetrics } from './start.js';
export { DownloadRecorder, type DownloadMetrics } from './download-metrics.js';
export { OTHER_HOSTS, BEFORE_CUT, type EpochView } from './host-metrics.js';
export { TopHosts, TRAFFIC_HALF_LIFE_MS, SWAP_MARGIN } from './top-hosts.js';
