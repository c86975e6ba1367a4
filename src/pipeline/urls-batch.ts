/**
 * Writing urls batches (worker threads only): one call builds the batch's table from spilled
 * records, encodes it and writes the file atomically.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeParquet } from '../io/parquet.js';
import { Layout } from './layout.js';
import { buildUrlsTable, type UrlsBatchSpec } from './urls-table.js';

export interface UrlsBatchTask extends UrlsBatchSpec {
  file: string;
}

/**
 * Columns whose values are (nearly) all different: a dictionary only costs time there. The others
 * (license, source, server_name, extra columns) keep the writer's default dictionary encoding.
 */
const DISTINCT_COLUMNS = ['uuid', 'identifier', 'source_id', 'title', 'row_number'];

/** Folders this thread has made already: each made once, its parent too, without walking up again. */
const madeFolders = new Set<string>();

function makeFolder(dir: string): void {
  if (madeFolders.has(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeFolder(parent);
  mkdirSync(dir, { recursive: true });
  madeFolders.add(dir);
}

/** The batch file of a partition under `base` (the staging urls folder): Layout.urlsBatch's path. */
export function urlsBatchFile(base: string, serverName: string, partitionId: number): string {
  return path.join(base, Layout.partitionDir(serverName, partitionId), 'urls.parquet');
}

/**
 * Builds, encodes and writes one batch. Synchronous file calls on purpose: this runs on a worker
 * thread, where they block nothing else, and skip the thread-pool round trips per call that made
 * small batches wait on the file system. Written in place, without a temporary name and a rename:
 * the file is in initialization's staging folder, which a re-run clears and which becomes the urls
 * folder only once every batch is written, so a half-written file is never taken for a batch.
 */
export function writeUrlsBatch(task: UrlsBatchTask): void {
  const bytes = encodeParquet(buildUrlsTable(task), { distinctColumns: DISTINCT_COLUMNS, statistics: 'chunk' });
  makeFolder(path.dirname(task.file));
  writeFileSync(task.file, bytes);
}
