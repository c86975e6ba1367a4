/**
 * The filter stage: decides which batches the runners visit and, where the decision needs the
 * whole dataset (duplicates), which rows in them. It writes under tools/<tool>/filter/:
 * a selection file per batch with picked rows, then partitions.csv, last.
 */
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import { readParquetFile, writeParquetFile } from '../io/parquet.js';
import { batchKey, type Partition } from '../pipeline/schedule.js';
import { tableFromRows } from '../pipeline/schemas.js';
import type { ToolLayout } from '../pipeline/layout.js';
import { successesFile } from './batches.js';
import type { ToolContext } from './context.js';
import { rowsOf, streamSuccessMeta, type SuccessMeta } from './rows.js';
import { selectionSchema } from './schemas.js';

/** Why a row is picked or removed; `reference_uuid` names a related row (the copy a duplicate repeats). */
export interface Verdict {
  readonly reason: string;
  readonly detail?: string;
  readonly reference_uuid?: string | null;
}

export interface Selection {
  readonly uuid: string;
  readonly reason: string;
  readonly detail: string;
  readonly reference_uuid: string | null;
}

export interface FilterPartition extends Partition {
  /** Rows the filter picked in the batch. */
  selected: number;
}

export interface FilterSummary {
  partitions: number;
  rows: number;
  selected: number;
}

const PARTITION_COLUMNS = ['server_name', 'partition_id', 'rows', 'selected'] as const;

export function selectionOf(uuid: string, verdict: Verdict): Selection {
  return { uuid, reason: verdict.reason, detail: verdict.detail ?? '', reference_uuid: verdict.reference_uuid ?? null };
}

/** Where a filter puts its decisions. */
export class FilterOutput {
  private readonly partitions: FilterPartition[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly paths: ToolLayout) {}

  /** The runners will visit `batch`; `selection` holds the rows picked in it (none: the runner decides alone). */
  async add(batch: Partition, selection: readonly Selection[] = []): Promise<void> {
    const key = batchKey(batch);
    if (this.seen.has(key)) throw new Error(`filter added batch ${key} twice`);
    this.seen.add(key);
    if (selection.length > 0) {
      const rows = [...selection].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
      await writeParquetFile(
        this.paths.selection(batch.server_name, batch.partition_id),
        tableFromRows(selectionSchema, rows.map((s) => [s.uuid, s.reason, s.detail, s.reference_uuid])),
      );
    }
    this.partitions.push({ server_name: batch.server_name, partition_id: batch.partition_id, rows: batch.rows, selected: selection.length });
  }

  async finish(): Promise<FilterSummary> {
    await writeCsvAtomic(this.paths.partitions, PARTITION_COLUMNS, this.partitions.map((p) => PARTITION_COLUMNS.map((c) => p[c])));
    return {
      partitions: this.partitions.length,
      rows: this.partitions.reduce((n, p) => n + p.rows, 0),
      selected: this.partitions.reduce((n, p) => n + p.selected, 0),
    };
  }
}

export async function readFilterPartitions(paths: ToolLayout): Promise<FilterPartition[]> {
  const rows = await readCsv(paths.partitions);
  if (rows === null) throw new Error(`${paths.partitions} is missing: the filter has not finished`);
  return rows.map((r) => ({
    server_name: r.server_name!,
    partition_id: Number(r.partition_id),
    rows: Number(r.rows),
    selected: Number(r.selected),
  }));
}

/** The rows the filter picked in one batch, by uuid. */
export async function readSelection(paths: ToolLayout, batch: FilterPartition): Promise<ReadonlyMap<string, Selection>> {
  const picked = new Map<string, Selection>();
  if (batch.selected === 0) return picked;
  for (const r of rowsOf(await readParquetFile(paths.selection(batch.server_name, batch.partition_id)))) {
    picked.set(String(r.uuid), {
      uuid: String(r.uuid),
      reason: String(r.reason),
      detail: String(r.detail ?? ''),
      reference_uuid: r.reference_uuid === null ? null : String(r.reference_uuid),
    });
  }
  return picked;
}

/** Base of every filter: given the completed batches that hold images, add to `output` what the runners must do. */
export abstract class FilterTool {
  constructor(protected readonly ctx: ToolContext) {}

  abstract run(batches: readonly Partition[], output: FilterOutput): Promise<void>;
}

/** Every batch, no rows picked: for tools whose runner looks at every image (resize, image_verification). */
export class AllBatchesFilter extends FilterTool {
  async run(batches: readonly Partition[], output: FilterOutput): Promise<void> {
    for (const batch of batches) await output.add(batch);
  }
}

/**
 * Picks rows one at a time from their metadata (images are not read); batches with a picked row
 * are visited by the runners, the rest are left alone.
 */
export abstract class RowFilter extends FilterTool {
  /** A verdict picks the row; null leaves it. */
  abstract select(row: SuccessMeta): Verdict | null;

  async run(batches: readonly Partition[], output: FilterOutput): Promise<void> {
    const progress = this.ctx.progress('filter', 'batches');
    let done = 0;
    for (const batch of batches) {
      const picked: Selection[] = [];
      for await (const rows of streamSuccessMeta(successesFile(this.ctx.layout, batch))) {
        for (const row of rows) {
          const verdict = this.select(row);
          if (verdict) picked.push(selectionOf(row.uuid, verdict));
        }
      }
      if (picked.length > 0) await output.add(batch, picked);
      progress.update(++done / batches.length, done);
    }
    progress.done(done);
  }
}
