/**
 * The runner stage on one rank: every batch scheduled to it that this run has not finished yet,
 * one after the other; each finished batch gets its done record. A batch that fails is logged and
 * left for the next invocation, so one bad file does not throw away the rest of the work.
 */
import { promises as fs } from 'node:fs';
import { exists, removeStaleTemps, writeJsonAtomic } from '../io/atomic.js';
import { batchKey } from '../pipeline/schedule.js';
import type { ToolContext } from './context.js';
import { readSelection, type FilterPartition } from './filter.js';
import type { BatchResult, RunnerTool } from './runner.js';
import { readToolSchedule } from './scheduler.js';

export interface RunnerSummary {
  /** Batches processed now. */
  batches: number;
  /** Batches already done in this run by an earlier invocation. */
  skipped: number;
  /** Batches that failed (see the log); the next invocation tries them again. */
  failed: number;
  /** The runner's counts, added up over the batches processed now. */
  counts: Record<string, number>;
}

export function addCounts(into: Record<string, number>, result: BatchResult): void {
  for (const [key, value] of Object.entries(result)) into[key] = (into[key] ?? 0) + value;
}

export async function runRunner(ctx: ToolContext, runner: RunnerTool): Promise<RunnerSummary> {
  const mine = await readToolSchedule(ctx.paths, ctx.rank);
  // A runner killed while writing a batch's record leaves its temporary file; only this rank writes
  // its batches' records, so it may remove them.
  await removeStaleTemps(
    mine.flatMap((b) => [
      ctx.paths.doneRecord(ctx.run, b.server_name, b.partition_id),
      ctx.paths.commitRecord(ctx.run, b.server_name, b.partition_id),
    ]),
  );
  const summary: RunnerSummary = { batches: 0, skipped: 0, failed: 0, counts: {} };
  const progress = ctx.progress('runner', 'batches');
  let visited = 0;
  for (const batch of mine) {
    const done = ctx.paths.doneRecord(ctx.run, batch.server_name, batch.partition_id);
    if (await exists(done)) {
      summary.skipped++;
    } else {
      try {
        const result = await runner.processBatch({ ...batch, selection: await readSelection(ctx.paths, batch) });
        await writeJsonAtomic(done, result);
        addCounts(summary.counts, result);
        summary.batches++;
        ctx.log.debug({ batch: batchKey(batch), result }, 'batch done');
      } catch (err) {
        summary.failed++;
        ctx.log.error({ batch: batchKey(batch), err }, 'batch failed');
      }
    }
    progress.update(++visited / mine.length, visited);
  }
  progress.done(visited);
  ctx.log.info(summary, 'runner finished on this rank');
  return summary;
}

export interface RunTotals {
  partitions: number;
  done: number;
  counts: Record<string, number>;
}

/** What the run has done over all ranks, from the done records. */
export async function runTotals(ctx: ToolContext, partitions: readonly FilterPartition[]): Promise<RunTotals> {
  const totals: RunTotals = { partitions: partitions.length, done: 0, counts: {} };
  for (const p of partitions) {
    let text: string;
    try {
      text = await fs.readFile(ctx.paths.doneRecord(ctx.run, p.server_name, p.partition_id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    totals.done++;
    addCounts(totals.counts, JSON.parse(text) as BatchResult);
  }
  return totals;
}

/** The filter's batches this run has not finished. */
export async function unfinished(ctx: ToolContext, partitions: readonly FilterPartition[]): Promise<FilterPartition[]> {
  const left: FilterPartition[] = [];
  for (const p of partitions) if (!(await exists(ctx.paths.doneRecord(ctx.run, p.server_name, p.partition_id)))) left.push(p);
  return left;
}
