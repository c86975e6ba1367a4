export { downloadImages, applyTools, type ToolOptions } from './api.js';
export { loadConfig, validateConfig, ConfigError, type Config, type LoadedConfig } from './config/index.js';
export type { RunOptions, RunResult } from './pipeline/run.js';
export { Layout, hiveEscape } from './pipeline/layout.js';
export { VERSION } from './version.js';
