/** The programmatic API, like the Python tool's `download_images` and `apply_tools`. */
import { loadConfig } from './config/index.js';
import { runPipeline, type RunOptions, type RunResult } from './pipeline/run.js';
import { UsageError } from './pipeline/errors.js';

/** Starts or continues the download pipeline described by a configuration file. */
export async function downloadImages(configPath: string, options: RunOptions = {}): Promise<RunResult> {
  const config = loadConfig(configPath);
  return runPipeline(config, options);
}

export interface ToolOptions {
  resetFiltering?: boolean;
  resetScheduling?: boolean;
  resetRunners?: boolean;
  toolNameOverride?: boolean;
}

/** Tools registered so far; the tools pipeline adds its built-ins and plugins here. */
const TOOLS: readonly string[] = [];

/** Applies a post-processing tool to a finished download. */
export async function applyTools(configPath: string, tool: string, _options: ToolOptions = {}): Promise<void> {
  loadConfig(configPath);
  throw new UsageError(
    `no tool named "${tool}" is available in this version; registered tools: ${TOOLS.length ? TOOLS.join(', ') : '(none yet)'}`,
  );
}
