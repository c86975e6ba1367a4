/**
 * The Python tool's environment export, kept so that users' job scripts keep working:
 * CONFIG_PATH, PATH_TO_INPUT, PATH_TO_OUTPUT, OUTPUT_*, DOWNLOADER_*, TOOLS_*.
 */
import type { LoadedConfig } from './load.js';

function section(prefix: string, values: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || typeof value === 'object') continue;
    out[`${prefix}${key.toUpperCase()}`] = String(value);
  }
  return out;
}

export function configEnvironment(config: LoadedConfig): Record<string, string> {
  return {
    CONFIG_PATH: config.config_path,
    ...(config.account ? { ACCOUNT: config.account } : {}),
    PATH_TO_INPUT: config.path_to_input,
    PATH_TO_OUTPUT: config.path_to_output,
    ...section('OUTPUT_', config.output_structure),
    ...section('DOWNLOADER_', config.downloader_parameters),
    ...section('TOOLS_', config.tools_parameters),
  };
}
