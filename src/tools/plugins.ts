/**
 * Plugins: the modules in `tools_parameters.plugins`, imported before a tool is looked up, by every
 * process that runs a stage, so that a custom tool is known wherever a built-in is. A module
 * registers its stages when imported (registerFilter, registerScheduler, registerRunner).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type LoadedConfig } from '../config/index.js';
import { registrationCount } from './registry.js';

/** Paths (starting with `.` or absolute) are taken from the configuration file's folder; anything else is imported as a package. */
export function pluginSpecifier(spec: string, configPath: string): string {
  if (spec.startsWith('.') || path.isAbsolute(spec)) return pathToFileURL(path.resolve(path.dirname(configPath), spec)).href;
  return spec;
}

/** Per plugin, whether importing it registered anything; shared by callers in one process (ranks in tests). */
const loaded = new Map<string, Promise<boolean>>();

async function importPlugin(specifier: string, index: number, spec: string, configPath: string): Promise<boolean> {
  const before = registrationCount();
  try {
    await import(specifier);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError([`tools_parameters.plugins[${index}] = ${JSON.stringify(spec)}: cannot be loaded: ${reason}`], configPath);
  }
  return registrationCount() > before;
}

/** Imports every plugin once per process; returns the ones that registered nothing here. */
export async function loadPlugins(config: LoadedConfig): Promise<string[]> {
  const silent: string[] = [];
  for (const [i, spec] of config.tools_parameters.plugins.entries()) {
    const specifier = pluginSpecifier(spec, config.config_path);
    let registered = loaded.get(specifier);
    if (!registered) {
      registered = importPlugin(specifier, i, spec, config.config_path);
      loaded.set(specifier, registered);
    }
    if (!(await registered)) silent.push(spec);
  }
  return silent;
}
