export { downloadImages, applyTools, type ToolOptions } from './api.js';
export { loadConfig, validateConfig, ConfigError, type Config, type LoadedConfig } from './config/index.js';
export { runPipeline, type RunOptions, type RunResult } from './pipeline/run.js';
export type { DownloadSummary, EpochObservation } from './pipeline/download.js';
export type { VerifySummary } from './pipeline/verify.js';
export { Layout, hiveEscape } from './pipeline/layout.js';
export { VERSION } from './version.js';
export * from './tools/index.js';
