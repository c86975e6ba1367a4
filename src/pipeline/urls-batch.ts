/**
 * Writing urls batches: one task builds the batch's table from spilled records, encodes it and
 * writes the file atomically. Tasks run on a pool of worker threads (see urls-batch-worker.ts).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { encodeParquet } from '../io/parquet.js';
import { tempPathFor } from '../io/atomic.js';
import { WorkerPool } from '../io/worker-pool.js';
import { buildUrlsTable, type UrlsBatchSpec } from './urls-record.js';

export interface UrlsBatchTask extends UrlsBatchSpec {
  file: string;
}

/**
 * Columns whose values are (nearly) all different: a dictionary only costs time there. The others
 * (license, source, server_name, extra columns) keep the writer's default dictionary encoding.
 */
const DISTINCT_COLUMNS = ['uuid', 'identifier', 'source_id', 'title', 'row_number'];

/** Folders this thread has made already: one mkdir per partition folder, not per call. */
const madeFolders = new Set<string>();

/**
 * Builds, encodes and writes one batch, atomically (temporary name, then rename). Synchronous file
 * calls on purpose: this runs on a worker thread, where they block nothing else, and skip the two
 * thread-pool round trips per call that made small batches wait on the file system.
 */
export function writeUrlsBatch(task: UrlsBatchTask): void {
  const bytes = encodeParquet(buildUrlsTable(task), { distinctColumns: DISTINCT_COLUMNS, statistics: 'chunk' });
  const dir = path.dirname(task.file);
  if (!madeFolders.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeFolders.add(dir);
  }
  const tmp = tempPathFor(task.file);
  writeFileSync(tmp, bytes);
  renameSync(tmp, task.file);
}

/** Worker threads for `workers` (0: one per core the process may use). */
export function urlsBatchPool(workers: number): WorkerPool<UrlsBatchTask, null> {
  const size = workers > 0 ? workers : availableParallelism();
  return new WorkerPool<UrlsBatchTask, null>(new URL('./urls-batch-worker.js', import.meta.url), size);
}
