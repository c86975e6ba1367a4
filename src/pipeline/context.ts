/** What every stage gets: the layout, a logger and a way to show progress. */
import type { Logger } from 'pino';
import type { Layout } from './layout.js';
import type { ProgressHandle } from './progress.js';

export interface StageContext {
  readonly layout: Layout;
  readonly log: Logger;
  /** Starts a progress display for one phase of the stage. */
  progress(label: string, unit?: string): ProgressHandle;
}
