/** The controller, engine and image options a run uses, completed from the Python tool's keys. */
import type { ControllerOptions } from '../controller/options.js';
import type { EngineOptions, ImageOptions } from '../engine/options.js';
import type { LoadedConfig } from '../config/index.js';

export function controllerOptionsOf(config: LoadedConfig): ControllerOptions {
  const dp = config.downloader_parameters;
  return {
    ...config.controller,
    fixed: { ...config.controller.fixed, default_rate_limit: dp.default_rate_limit, rate_multiplier: dp.rate_multiplier },
  };
}

export function imageOptionsOf(config: LoadedConfig): ImageOptions {
  return { ...config.image, image_size: config.downloader_parameters.image_size };
}

/**
 * A `header: "Name: value"` line (the Python tool's older meaning of the key) joins engine.headers;
 * a User-Agent line (its usual use) becomes the user agent, which the engine sets from user_agent only.
 */
export function engineOptionsOf(config: LoadedConfig): EngineOptions {
  const header = config.downloader_parameters.header;
  if (typeof header !== 'string') return config.engine;
  const colon = header.indexOf(':');
  const name = header.slice(0, colon).trim();
  const value = header.slice(colon + 1).trim();
  if (name.toLowerCase() === 'user-agent') return { ...config.engine, user_agent: value };
  return { ...config.engine, headers: { [name]: value, ...config.engine.headers } };
}
