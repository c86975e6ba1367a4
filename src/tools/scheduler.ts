/**
 * The scheduler stage: spreads the batches the filter chose over the ranks, into
 * tools/<tool>/schedule.csv. Batches a rank already finished in this run are left out, so a
 * schedule made again for another number of ranks only spreads the work that is left.
 */
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { assign, batchKey, type Assignment } from '../pipeline/schedule.js';
import type { ToolLayout } from '../pipeline/layout.js';
import type { ToolContext } from './context.js';
import type { FilterPartition } from './filter.js';

export interface ToolAssignment extends FilterPartition {
  rank: number;
}

export interface ToolScheduleSummary {
  ranks: number;
  partitions: number;
  rows: number;
}

/** Base of every scheduler: give each batch one rank in 0..ranks−1. */
export abstract class SchedulerTool {
  constructor(protected readonly ctx: ToolContext) {}

  abstract run(partitions: readonly FilterPartition[], ranks: number): Promise<Assignment[]> | Assignment[];
}

/**
 * Balances the batches' image counts over the ranks. Unlike a download, a tool puts no load on the
 * web servers, so any number of ranks may share one server's batches.
 */
export class DefaultScheduler extends SchedulerTool {
  run(partitions: readonly FilterPartition[], ranks: number): Assignment[] {
    return assign(partitions, ranks, { '1': ranks });
  }
}

const SCHEDULE_COLUMNS = ['rank', 'server_name', 'partition_id', 'rows', 'selected'] as const;

/** Checks that the scheduler gave every batch exactly one valid rank, and writes the schedule. */
export async function writeToolSchedule(
  ctx: ToolContext,
  scheduler: SchedulerTool,
  partitions: readonly FilterPartition[],
): Promise<ToolScheduleSummary> {
  const byKey = new Map(partitions.map((p) => [batchKey(p), p]));
  const assigned = new Map<string, ToolAssignment>();
  const name = scheduler.constructor.name;
  for (const a of await scheduler.run(partitions, ctx.ranks)) {
    const key = batchKey(a);
    const partition = byKey.get(key);
    if (!partition) throw new Error(`scheduler ${name} assigned ${key}, which is not a batch the filter chose`);
    if (assigned.has(key)) throw new Error(`scheduler ${name} assigned ${key} twice`);
    if (!(Number.isInteger(a.rank) && a.rank >= 0 && a.rank < ctx.ranks)) {
      throw new Error(`scheduler ${name} assigned ${key} to rank ${a.rank}; ranks are 0..${ctx.ranks - 1}`);
    }
    assigned.set(key, { ...partition, rank: a.rank });
  }
  const missing = partitions.filter((p) => !assigned.has(batchKey(p)));
  if (missing.length > 0) {
    throw new Error(`scheduler ${name} left ${missing.length} batches unassigned, e.g. ${batchKey(missing[0]!)}`);
  }
  const rows = [...assigned.values()].sort(
    (a, b) => a.rank - b.rank || (a.server_name < b.server_name ? -1 : a.server_name > b.server_name ? 1 : 0) || a.partition_id - b.partition_id,
  );
  await writeCsvAtomic(ctx.paths.schedule, SCHEDULE_COLUMNS, rows.map((a) => SCHEDULE_COLUMNS.map((c) => a[c])));
  return { ranks: ctx.ranks, partitions: rows.length, rows: rows.reduce((n, a) => n + a.rows, 0) };
}

/** The batches of one rank, in schedule order. */
export async function readToolSchedule(paths: ToolLayout, rank: number): Promise<ToolAssignment[]> {
  const rows = await readCsv(paths.schedule);
  if (rows === null) throw new Error(`${paths.schedule} is missing: scheduling has not finished`);
  return rows
    .map((r) => ({
      rank: Number(r.rank),
      server_name: r.server_name!,
      partition_id: Number(r.partition_id),
      rows: Number(r.rows),
      selected: Number(r.selected),
    }))
    .filter((a) => a.rank === rank);
}
