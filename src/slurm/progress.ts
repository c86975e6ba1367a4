/**
 * How far the download of an output has got, from the batches' `completed` markers alone (each holds
 * its batch's counts), so that `status` stays quick while jobs are writing: no Parquet is read.
 */
import type { Layout } from '../pipeline/layout.js';
import { finishedBatches } from '../pipeline/verify.js';

export interface OutputProgress {
  /** Batches finished (with their marker). */
  completed: number;
  /** Batches still to download (batches of ignored servers only are not counted). */
  remaining: number;
  successes: number;
  errors: number;
}

/** Only once initialization has finished (the batches are known). */
export async function outputProgress(layout: Layout): Promise<OutputProgress> {
  const { remaining, finished } = await finishedBatches(layout);
  const progress: OutputProgress = { completed: finished.length, remaining: remaining.length, successes: 0, errors: 0 };
  for (const { counts } of finished) {
    progress.successes += counts.successes;
    progress.errors += counts.errors;
  }
  return progress;
}
