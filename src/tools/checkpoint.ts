/**
 * tools/<tool>/checkpoint.json: which stages of a tool are done, and the current run of its runners.
 * Resets never delete a trail: resetting filtering or runners starts a new run folder instead.
 */
import { promises as fs } from 'node:fs';
import { writeJsonAtomic } from '../io/atomic.js';
import type { ToolLayout } from '../pipeline/layout.js';

export interface ToolCheckpoint {
  /** filter/partitions.csv and the selections are complete. */
  filtered: boolean;
  /** schedule.csv is complete. */
  scheduled: boolean;
  /** Number of ranks the schedule was made for. */
  scheduled_ranks: number | null;
  /** Every batch of the filter is done in the current run. */
  completed: boolean;
  /** The current run (runs/<NNNN>/: done records, commit records, trail, summary). */
  run: number;
}

export const EMPTY_TOOL_CHECKPOINT: Readonly<ToolCheckpoint> = {
  filtered: false,
  scheduled: false,
  scheduled_ranks: null,
  completed: false,
  run: 0,
};

export interface ToolResets {
  /** Redo everything: filter, schedule and a new run of the runners. */
  resetFiltering?: boolean;
  /** Redo the schedule; the runners continue their run. */
  resetScheduling?: boolean;
  /** Keep the filter's result; a new run processes every batch again. */
  resetRunners?: boolean;
}

export async function readToolCheckpoint(paths: ToolLayout): Promise<ToolCheckpoint> {
  let text: string;
  try {
    text = await fs.readFile(paths.checkpoint, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_TOOL_CHECKPOINT };
    throw err;
  }
  return { ...EMPTY_TOOL_CHECKPOINT, ...(JSON.parse(text) as Partial<ToolCheckpoint>) };
}

export async function writeToolCheckpoint(paths: ToolLayout, checkpoint: ToolCheckpoint): Promise<void> {
  await writeJsonAtomic(paths.checkpoint, checkpoint);
}

/** The checkpoint after the requested resets. A fresh tool folder has nothing to reset. */
export function applyToolResets(checkpoint: ToolCheckpoint, resets: ToolResets, fresh: boolean): ToolCheckpoint {
  if (fresh) return checkpoint;
  if (resets.resetFiltering) {
    return { ...EMPTY_TOOL_CHECKPOINT, run: checkpoint.run + 1 };
  }
  let next = checkpoint;
  if (resets.resetScheduling) next = { ...next, scheduled: false, scheduled_ranks: null };
  // A new run needs a new schedule: the old one left out the batches the old run had finished.
  if (resets.resetRunners) next = { ...next, scheduled: false, scheduled_ranks: null, completed: false, run: next.run + 1 };
  return next;
}
