/**
 * Rewriting one batch's successes.parquet so that a kill at any moment leaves either the old file or
 * the new one, never half of one, and never a replaced file without its trail:
 *
 *   1. stream the old file, writing the kept and replaced rows to a staged file beside it and the
 *      removed and replaced rows, as they were, to the trail;
 *   2. write the commit record (the old file's identity and the counts);
 *   3. rename the staged file over successes.parquet;
 *   4. update the `completed` marker's success count (the marker stays in place throughout, so the
 *      batch never looks unfinished to the downloader).
 *
 * A re-run finding a commit record finishes steps 3–4 instead of processing the new file again,
 * which would find nothing to do and overwrite the trail with an empty one. Without a commit record
 * the staged file is a leftover and the batch is processed again from the untouched old file. The
 * record also holds both files' identities, so that a batch a later download round rewrote in the
 * meantime is neither overwritten with a stale staged file nor given a stale count.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exists, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { clearPartialBatch } from '../pipeline/batch-output.js';
import type { Layout } from '../pipeline/layout.js';
import type { Partition } from '../pipeline/schedule.js';
import { successesFile } from './batches.js';
import type { ToolContext } from './context.js';
import type { Verdict } from './filter.js';
import { RowGroupWriter } from './row-group-writer.js';
import { cellsOf, rowsOf, type SuccessRow } from './rows.js';
import { streamParquetFile } from '../io/parquet.js';
import { trailCells, trailSchema } from './schemas.js';

export type RowDecision =
  | { readonly action: 'keep' }
  | ({ readonly action: 'remove' } & Verdict)
  /** `row` replaces the stored row; it keeps the uuid. */
  | ({ readonly action: 'replace'; readonly row: SuccessRow } & Verdict);

export interface RewriteCounts {
  readonly [count: string]: number;
  readonly rows: number;
  readonly kept: number;
  readonly removed: number;
  readonly replaced: number;
}

/** Tells one version of a file from another (a rename keeps both). */
interface FileIdentity {
  size: number;
  mtimeMs: number;
}

interface CommitRecord {
  /** successes.parquet as it was read: if a later download round replaced it, the staged file is stale. */
  source: FileIdentity;
  /** The staged file, which becomes successes.parquet: if that was replaced since, so was the marker. */
  result: FileIdentity;
  counts: RewriteCounts;
}

async function identity(file: string): Promise<FileIdentity> {
  const { size, mtimeMs } = await fs.stat(file);
  return { size, mtimeMs };
}

const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs;

type BatchRef = Pick<Partition, 'server_name' | 'partition_id'>;

async function readCommit(file: string): Promise<CommitRecord | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as CommitRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Keeps verify's totals right: they are read from the markers. */
async function updateMarker(layout: Layout, batch: BatchRef, successes: number): Promise<void> {
  const file = layout.completedMarker(batch.server_name, batch.partition_id);
  let marker: Record<string, unknown> = {};
  try {
    marker = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // an older marker without counts: it gets them now
  }
  await writeFileAtomic(file, JSON.stringify({ ...marker, successes }) + '\n', true);
}

/** Step 1: the staged file and the trail. */
async function stage(
  ctx: ToolContext,
  batch: BatchRef,
  decide: (row: SuccessRow) => Promise<RowDecision> | RowDecision,
  chunkRows: number,
): Promise<RewriteCounts> {
  let rows = 0;
  let kept = 0;
  let removed = 0;
  let replaced = 0;
  /** `removed.<reason>` and `replaced.<reason>` counts, for the run summary. */
  const reasons: Record<string, number> = {};
  let staged: RowGroupWriter | null = null;
  let trail: RowGroupWriter | null = null;
  for await (const table of streamParquetFile(successesFile(ctx.layout, batch), chunkRows)) {
    const schema = table.schema;
    staged ??= new RowGroupWriter(ctx.paths.stagedSuccesses(batch.server_name, batch.partition_id), schema);
    const chunk = rowsOf(table) as SuccessRow[];
    const decisions = await Promise.all(chunk.map((row) => decide(row)));
    for (let i = 0; i < chunk.length; i++) {
      const row = chunk[i]!;
      const d = decisions[i]!;
      rows++;
      if (d.action === 'keep') {
        kept++;
        staged.add(cellsOf(row, schema));
        continue;
      }
      if (d.action === 'replace' && d.row.uuid !== row.uuid) {
        throw new Error(`a replaced row must keep its uuid (${row.uuid} became ${d.row.uuid})`);
      }
      const action = d.action === 'remove' ? 'removed' : 'replaced';
      reasons[`${action}.${d.reason}`] = (reasons[`${action}.${d.reason}`] ?? 0) + 1;
      trail ??= new RowGroupWriter(ctx.paths.trail(ctx.run, batch.server_name, batch.partition_id), trailSchema(schema));
      trail.add([...cellsOf(row, schema), ...trailCells(action, d, batch)]);
      if (d.action === 'replace') {
        replaced++;
        staged.add(cellsOf(d.row, schema));
      } else {
        removed++;
      }
    }
  }
  await staged?.close();
  await trail?.close();
  return { rows, kept, removed, replaced, ...reasons };
}

/** Rewrites one batch (see the module comment); safe to call again after a kill at any point. */
export async function rewriteBatch(
  ctx: ToolContext,
  batch: BatchRef,
  decide: (row: SuccessRow) => Promise<RowDecision> | RowDecision,
  chunkRows: number,
): Promise<RewriteCounts> {
  const file = successesFile(ctx.layout, batch);
  const staged = ctx.paths.stagedSuccesses(batch.server_name, batch.partition_id);
  const commitFile = ctx.paths.commitRecord(ctx.run, batch.server_name, batch.partition_id);
  // Also a `completed` marker's temporary file, if a kill came while a commit's count was written.
  await clearPartialBatch(path.dirname(staged));
  const commit = await readCommit(commitFile);
  if (commit) {
    const kept = commit.counts.kept + commit.counts.replaced;
    if (!(await exists(staged))) {
      // Renamed already. A later download round may have written the batch (and its marker) anew since.
      if (sameFile(await identity(file), commit.result)) await updateMarker(ctx.layout, batch, kept);
      return commit.counts;
    }
    if (sameFile(await identity(file), commit.source)) {
      await fs.rename(staged, file);
      await updateMarker(ctx.layout, batch, kept);
      return commit.counts;
    }
    // The batch was downloaded again before the rename: the staged file is stale. The record goes
    // first, so a kill in between leaves an uncommitted leftover, not a commit without its file.
    ctx.log.warn({ batch }, 'successes.parquet changed since the rewrite was staged; processing it again');
    await fs.rm(commitFile);
  }
  const trailFile = ctx.paths.trail(ctx.run, batch.server_name, batch.partition_id);
  await Promise.all([fs.rm(staged, { force: true }), fs.rm(trailFile, { force: true })]);
  await clearPartialBatch(path.dirname(trailFile));
  const source = await identity(file);
  const counts = await stage(ctx, batch, decide, chunkRows);
  if (counts.removed + counts.replaced === 0) {
    await fs.rm(staged, { force: true });
    return counts;
  }
  const record: CommitRecord = { source, result: await identity(staged), counts };
  await writeJsonAtomic(commitFile, record);
  await fs.rename(staged, file);
  await updateMarker(ctx.layout, batch, counts.kept + counts.replaced);
  return counts;
}
