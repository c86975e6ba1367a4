/**
 * Verification after a download round: counts finished batches, sums successes and errors by class,
 * writes summary.json, and finds the batches whose transient errors (429, 5xx, timeouts, resets) a
 * later round can retry without touching their successes.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { LoadedConfig } from '../config/index.js';
import { HTTP_ERRORS, NEGATIVE_ERRORS } from '../engine/errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { parquetRowCount, readParquetFile } from '../io/parquet.js';
import { ERRORS_FILE } from './batch-output.js';
import type { StageContext } from './context.js';
import type { DownloadSummary } from './download.js';
import type { Layout } from './layout.js';
import { batchKey, remainingPartitions, readPartitions, type Partition } from './schedule.js';

const TRANSIENT_CLASSES: ReadonlySet<string> = new Set([
  ...Object.values(NEGATIVE_ERRORS).filter((k) => k.transient).map((k) => k.errorClass),
  ...HTTP_ERRORS.filter((k) => k.transient).map((k) => k.errorClass),
]);

/** Whether an error row may succeed if tried again later. */
export function isTransient(errorClass: string): boolean {
  return TRANSIENT_CLASSES.has(errorClass);
}

export interface VerifySummary {
  round: number;
  batches: { total: number; completed: number; remaining: number };
  rows: { input: number; rejected: number; successes: number; errors: number };
  errors_by_class: Record<string, number>;
  transient_errors: number;
  /** Completed batches with transient errors → rows to retry. */
  retry: Map<string, number>;
  /** Figures of the round's download on this process, when it ran here. */
  download?: { seconds: number; images_per_s: number; blocked_hosts: number };
}

/** What a batch's `completed` marker records. */
export interface MarkerCounts {
  successes: number;
  errors: number;
}

/**
 * Every batch that is not open, with its marker's counts; batches of ignored servers only (never
 * downloaded, so without a marker) are left out.
 */
export async function finishedBatches(layout: Layout) {
  const { remaining, completed } = await remainingPartitions(layout);
  const all = await readPartitions(layout.urls);
  const open = new Set(remaining.map(batchKey));
  const finished: { partition: Partition; counts: MarkerCounts }[] = [];
  for (const p of all) {
    if (open.has(batchKey(p))) continue;
    try {
      const counts = JSON.parse(await fs.readFile(layout.completedMarker(p.server_name, p.partition_id), 'utf8')) as MarkerCounts;
      finished.push({ partition: p, counts });
    } catch {
      continue;
    }
  }
  return { all, remaining, completed, finished };
}

/** What the finished batches hold: counts, errors by class, and the batches with transient errors. */
export async function scanOutputs(layout: Layout) {
  const { all, remaining, completed, finished } = await finishedBatches(layout);
  const errorsByClass: Record<string, number> = {};
  const retry = new Map<string, number>();
  let successes = 0;
  let errors = 0;
  let transient = 0;
  for (const { partition: p, counts } of finished) {
    successes += counts.successes;
    errors += counts.errors;
    if (counts.errors === 0) continue;
    const table = await readParquetFile(path.join(layout.imagesBatchDir(p.server_name, p.partition_id), ERRORS_FILE));
    const classes = table.getChild('error_class')!;
    let batchTransient = 0;
    for (let i = 0; i < table.numRows; i++) {
      const c = String(classes.get(i));
      errorsByClass[c] = (errorsByClass[c] ?? 0) + 1;
      if (isTransient(c)) batchTransient++;
    }
    if (batchTransient > 0) retry.set(batchKey(p), batchTransient);
    transient += batchTransient;
  }
  return { all, remaining, completed, successes, errors, errorsByClass, transient, retry };
}

export async function verify(config: LoadedConfig, ctx: StageContext, round: number, dl?: DownloadSummary): Promise<VerifySummary> {
  const { layout } = ctx;
  const scan = await scanOutputs(layout);
  const rejected = await parquetRowCount(layout.rejected);
  const summary: VerifySummary = {
    round,
    batches: { total: scan.completed + scan.remaining.length, completed: scan.completed, remaining: scan.remaining.length },
    rows: { input: scan.all.reduce((n, p) => n + p.rows, 0) + rejected, rejected, successes: scan.successes, errors: scan.errors },
    errors_by_class: scan.errorsByClass,
    transient_errors: scan.transient,
    retry: scan.retry,
    ...(dl
      ? { download: { seconds: dl.seconds, images_per_s: dl.seconds > 0 ? dl.successes / dl.seconds : 0, blocked_hosts: dl.blockedHosts } }
      : {}),
  };
  await writeJsonAtomic(layout.summary, { ...summary, retry: Object.fromEntries(scan.retry), config: config.config_path });
  ctx.log.info({ ...summary, retry: scan.retry.size }, 'verified');
  return summary;
}
