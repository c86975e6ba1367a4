/**
 * How far the download of an output has got, from the batches' `completed` markers alone (each holds
 * its batch's counts), so that `status` stays quick while jobs are writing: no Parquet is read.
 */
import { promises as fs } from 'node:fs';
import type { Layout } from '../pipeline/layout.js';
import { batchKey, readPartitions, remainingPartitions } from '../pipeline/schedule.js';

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
  const [{ remaining }, partitions] = await Promise.all([remainingPartitions(layout), readPartitions(layout.urls)]);
  const open = new Set(remaining.map(batchKey));
  const progress: OutputProgress = { completed: 0, remaining: remaining.length, successes: 0, errors: 0 };
  for (const p of partitions) {
    if (open.has(batchKey(p))) continue;
    let counts: { successes: number; errors: number };
    try {
      counts = JSON.parse(await fs.readFile(layout.completedMarker(p.server_name, p.partition_id), 'utf8')) as typeof counts;
    } catch {
      continue; // a batch of ignored servers only: never downloaded
    }
    progress.completed++;
    progress.successes += counts.successes;
    progress.errors += counts.errors;
  }
  return progress;
}
