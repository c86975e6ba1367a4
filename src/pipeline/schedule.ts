/**
 * Scheduling: assign the batches that have no `completed` marker to ranks 0..R−1 for one round.
 * `schedule_rules` caps how many ranks may work on one server at once (by its remaining batches);
 * batches are balanced by URL count so the ranks finish together. Deterministic for the same inputs.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { exists, writeJsonAtomic } from '../io/atomic.js';
import type { StageContext } from './context.js';
import { PARTITIONS_INDEX } from './initialize.js';
import { SMALL_SERVERS, type Layout } from './layout.js';
import { readIgnored, readServerIndex } from './profile.js';

export const SCHEDULE_FILE = 'schedule.csv';
export const SCHEDULE_COLUMNS = ['rank', 'server_name', 'partition_id', 'rows', 'retry'] as const;

export interface Partition {
  /** The folder's server name (`_small` for packed batches). */
  server_name: string;
  partition_id: number;
  rows: number;
  /** A completed batch whose transient errors are retried (otherwise the batch is downloaded whole). */
  retry?: boolean;
}

export interface Assignment extends Partition {
  rank: number;
}

export interface ScheduleSummary {
  round: number;
  ranks: number;
  partitions: number;
  rows: number;
  /** Batches already completed in earlier runs, left out. */
  completed: number;
  /** Completed batches scheduled again to retry their transient errors. */
  retries: number;
}

export async function readPartitions(urlsFolder: string): Promise<Partition[]> {
  const file = path.join(urlsFolder, PARTITIONS_INDEX);
  const rows = await readCsv(file);
  if (rows === null) throw new Error(`${file} is missing: initialization has not finished`);
  return rows.map((r) => ({ server_name: r.server_name!, partition_id: Number(r.partition_id), rows: Number(r.rows) }));
}

/** How many ranks may work on a server with `remaining` batches: the rule with the largest key ≤ remaining. */
export function ranksAllowed(rules: Readonly<Record<string, number>>, remaining: number): number {
  let best = -1;
  let allowed = 1;
  for (const [key, value] of Object.entries(rules)) {
    const k = Number(key);
    if (k <= remaining && k > best) {
      best = k;
      allowed = value;
    }
  }
  return allowed;
}

/** Greedy balancing: biggest servers first, each onto its `k` least-loaded ranks. */
export function assign(partitions: readonly Partition[], ranks: number, rules: Readonly<Record<string, number>>): Assignment[] {
  const groups = new Map<string, Partition[]>();
  for (const p of partitions) {
    // Packed batches hold many small servers each, so every one of them is a group of its own.
    const key = p.server_name === SMALL_SERVERS ? `${SMALL_SERVERS}/${p.partition_id}` : p.server_name;
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  const total = (list: Partition[]) => list.reduce((n, p) => n + p.rows, 0);
  const ordered = [...groups.entries()].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const load = new Array<number>(ranks).fill(0);
  const byLoad = (a: number, b: number) => load[a]! - load[b]! || a - b;
  const out: Assignment[] = [];
  for (const [, list] of ordered) {
    list.sort((a, b) => a.partition_id - b.partition_id);
    const k = Math.max(1, Math.min(ranksAllowed(rules, list.length), ranks, list.length));
    const chosen = [...load.keys()].sort(byLoad).slice(0, k);
    for (const p of list) {
      const rank = chosen.sort(byLoad)[0]!;
      load[rank]! += p.rows;
      out.push({ ...p, rank });
    }
  }
  return out.sort((a, b) => a.rank - b.rank || (a.server_name < b.server_name ? -1 : a.server_name > b.server_name ? 1 : 0) || a.partition_id - b.partition_id);
}

export const batchKey = (p: Pick<Partition, 'server_name' | 'partition_id'>): string => `${p.server_name}/${p.partition_id}`;

/**
 * Partitions still to download: no `completed` marker, and not entirely made of ignored servers;
 * completed ones named in `retry` come too, flagged, with their retry row count as `rows`.
 */
export async function remainingPartitions(
  layout: Layout,
  retry: ReadonlyMap<string, number> = new Map(),
): Promise<{ remaining: Partition[]; completed: number }> {
  const [partitions, ignored, servers] = await Promise.all([
    readPartitions(layout.urls),
    readIgnored(layout.ignored),
    readServerIndex(layout.urls),
  ]);
  const smallWithWork = new Set<number>();
  for (const s of servers) if (s.folder === SMALL_SERVERS && !ignored.has(s.server_name)) smallWithWork.add(s.first_partition);
  const remaining: Partition[] = [];
  let completed = 0;
  for (const p of partitions) {
    const ignoredAll = p.server_name === SMALL_SERVERS ? !smallWithWork.has(p.partition_id) : ignored.has(p.server_name);
    if (ignoredAll) continue;
    if (!(await exists(layout.completedMarker(p.server_name, p.partition_id)))) {
      remaining.push(p);
      continue;
    }
    completed++;
    const retryRows = retry.get(batchKey(p));
    if (retryRows !== undefined) remaining.push({ ...p, rows: retryRows, retry: true });
  }
  return { remaining, completed };
}

/**
 * Writes the round's schedule: every batch without a `completed` marker, plus `retry` — completed
 * batches whose transient errors this round tries again (keyed `server_name/partition_id`, with the
 * number of rows to retry).
 */
export async function schedule(
  config: LoadedConfig,
  ctx: StageContext,
  round: number,
  ranks: number,
  retry: ReadonlyMap<string, number> = new Map(),
): Promise<ScheduleSummary> {
  const { layout } = ctx;
  const { remaining, completed } = await remainingPartitions(layout, retry);
  const assignments = assign(remaining, ranks, config.schedule_rules);
  const dir = layout.scheduleDir(round);
  await fs.mkdir(dir, { recursive: true });
  await writeCsvAtomic(
    path.join(dir, SCHEDULE_FILE),
    SCHEDULE_COLUMNS,
    assignments.map((a) => [a.rank, a.server_name, a.partition_id, a.rows, a.retry ? 1 : 0]),
  );
  const retries = assignments.filter((a) => a.retry).length;
  const summary: ScheduleSummary = {
    round,
    ranks,
    partitions: assignments.length,
    rows: assignments.reduce((n, a) => n + a.rows, 0),
    completed: completed - retries,
    retries,
  };
  await writeJsonAtomic(path.join(dir, '_config.json'), summary);
  ctx.log.info(summary, 'schedule written');
  return summary;
}

/** The batches one rank must download in a round. */
export async function readSchedule(layout: Layout, round: number, rank?: number): Promise<Assignment[]> {
  const file = path.join(layout.scheduleDir(round), SCHEDULE_FILE);
  const rows = await readCsv(file);
  if (rows === null) throw new Error(`${file} is missing: scheduling has not finished`);
  return rows
    .map((r) => ({
      rank: Number(r.rank),
      server_name: r.server_name!,
      partition_id: Number(r.partition_id),
      rows: Number(r.rows),
      retry: r.retry === '1',
    }))
    .filter((a) => rank === undefined || a.rank === rank);
}
