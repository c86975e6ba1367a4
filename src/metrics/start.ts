/**
 * Turning metrics on for one rank (when `metrics.port` is set): a registry whose every series
 * carries `rank`, Node's own process metrics (memory, event-loop lag), the download's series, the
 * `/metrics` endpoint on `metrics.port` + rank, and the rank's file_sd target file.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { LoadedConfig } from '../config/index.js';
import { UsageError } from '../pipeline/errors.js';
import type { Layout } from '../pipeline/layout.js';
import { DownloadRecorder, type DownloadMetrics } from './download-metrics.js';
import { serveMetrics } from './server.js';
import { removeTargets, targetAddress, writeTargets } from './targets.js';

export interface RankMetrics {
  readonly download: DownloadMetrics;
  /** Where Prometheus scrapes this rank (`host:port`, as in the target file). */
  readonly address: string;
  /** Removes the target file, then stops serving. */
  close(): Promise<void>;
}

/** The label file_sd adds to every series of a run: its output folder, so one Prometheus can watch several runs. */
export const OUTPUT_LABEL = 'downloader_output';

export async function startMetrics(config: Pick<LoadedConfig, 'metrics'>, layout: Layout, rank: number): Promise<RankMetrics | null> {
  const { port, host, max_hosts } = config.metrics;
  if (port === null) return null;
  const wanted = port === 0 ? 0 : port + rank;
  if (wanted > 65_535) throw new UsageError(`metrics.port = ${port}: rank ${rank} would need port ${wanted}, above 65535`);

  const registry = new Registry();
  // A metric label, not a target label: a `rank` in file_sd would clash with it (exported_rank).
  registry.setDefaultLabels({ rank: String(rank) });
  collectDefaultMetrics({ register: registry });
  const download = new DownloadRecorder(registry, max_hosts);
  const server = await serveMetrics(registry, host, wanted).catch((err: unknown) => {
    throw new UsageError(
      `metrics: rank ${rank} cannot serve /metrics on ${host}:${wanted} (metrics.host, metrics.port + rank): ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  const address = targetAddress(host, server.port);
  const file = layout.metricsTargets(rank);
  try {
    await writeTargets(file, { targets: [address], labels: { [OUTPUT_LABEL]: layout.root } });
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    download,
    address,
    async close() {
      await removeTargets(file);
      await server.close();
    },
  };
}
