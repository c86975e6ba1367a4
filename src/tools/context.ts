/** What every stage of a tool gets: configuration, paths, its rank, a logger and progress. */
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Layout, ToolLayout } from '../pipeline/layout.js';
import { stageLogger } from '../pipeline/logging.js';
import type { ProgressHandle, ProgressReporter } from '../pipeline/progress.js';

export type ToolStage = 'filter' | 'scheduler' | 'runner';

export interface ToolContext {
  readonly tool: string;
  readonly config: LoadedConfig;
  readonly layout: Layout;
  readonly paths: ToolLayout;
  /** The runners' run: a reset of filtering or runners starts the next one. */
  readonly run: number;
  readonly rank: number;
  readonly ranks: number;
  readonly log: Logger;
  /** Starts a progress display for one phase of the stage. */
  progress(label: string, unit?: string): ProgressHandle;
}

export interface ContextSource {
  readonly tool: string;
  readonly config: LoadedConfig;
  readonly layout: Layout;
  readonly rank: number;
  readonly ranks: number;
  readonly reporter: ProgressReporter;
}

export function toolContext(source: ContextSource, stage: ToolStage, run: number): ToolContext {
  const paths = source.layout.tool(source.tool);
  const log = stageLogger(source.layout, paths.logStage(stage), run, source.rank, source.config.downloader_parameters.logger_level);
  return {
    tool: source.tool,
    config: source.config,
    layout: source.layout,
    paths,
    run,
    rank: source.rank,
    ranks: source.ranks,
    log,
    progress: (label, unit) => source.reporter.start(`${source.tool} ${label}`, unit),
  };
}
