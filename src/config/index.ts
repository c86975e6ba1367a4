export { ConfigError, EXIT_CONFIG } from './errors.js';
export { loadConfig, validateConfig, type LoadedConfig } from './load.js';
export { configSchema, type Config } from './config.js';
export { configEnvironment } from './environment.js';
