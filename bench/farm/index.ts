/** The mock server farm's public API, for tests and the benchmark harness. */
export { startFarm, type Farm, type FarmOptions } from './farm.js';
export { buildScenario, describeScenario, isScenarioName, SCENARIO_NAMES, type ScenarioName, type ScenarioOptions } from './scenarios.js';
export { planScenario, hostAddress, imageUrlCount, MAX_HOSTS, type HostDraft, type HostPlan, type ScenarioPlan } from './plan.js';
export {
  hostSpec,
  meanServiceMs,
  oracleRps,
  type HostOptions,
  type HostSpec,
  type OverloadAnswer,
  type RetryAfter,
  type ServiceTime,
  type TokenBucket,
} from './host-spec.js';
export { HUGE_BODY_BYTES, URL_KINDS, parseRoute, urlPath, yieldsImage, type UrlKind, type UrlSpec } from './url-spec.js';
export { IMAGE_VARIANTS, imageCacheDir, loadImages, type FarmImage, type ImageSet, type ImageVariant } from './images.js';
export { toTsv, urlRows, writeUrlList, URL_LIST_COLUMNS, type UrlRow } from './url-list.js';
export type { FarmReport, HostReport, HostConfigReport } from './report.js';
export type { HostCounters, TtfbSummary } from './host-stats.js';
export type { LoadSeries } from './load-meter.js';
