/** The programmatic API, like the Python tool's `download_images` and `apply_tools`. */
import { loadConfig } from './config/index.js';
import { runPipeline, type RunOptions, type RunResult } from './pipeline/run.js';
import { runTool, type ToolOptions, type ToolResult } from './tools/index.js';

export type { ToolOptions, ToolResult };

/** Starts or continues the download pipeline described by a configuration file. */
export async function downloadImages(configPath: string, options: RunOptions = {}): Promise<RunResult> {
  const config = loadConfig(configPath);
  return runPipeline(config, options);
}

/** Applies a post-processing tool to a finished download, like the Python tool's `apply_tools`. */
export async function applyTools(configPath: string, tool: string, options: ToolOptions = {}): Promise<ToolResult> {
  return runTool(loadConfig(configPath), tool, options);
}
