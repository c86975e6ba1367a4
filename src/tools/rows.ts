/**
 * Rows of successes.parquet as tools see them, read in bounded memory. A row keeps every column of
 * its file, also ones this version does not know, so a rewrite never drops a column.
 */
import { streamParquetFile } from '../io/parquet.js';
import * as arrow from 'apache-arrow';
import type { Cell } from '../pipeline/schemas.js';

/** [height, width]. */
export type Size = readonly [number, number];

/** A row without its image: what filters read, at a small share of the file's bytes. */
export interface SuccessMeta {
  readonly [column: string]: Cell;
  readonly uuid: string;
  readonly source_id: string | null;
  readonly identifier: string;
  readonly is_license_full: boolean;
  readonly license: string | null;
  readonly source: string | null;
  readonly title: string | null;
  readonly original_size: Size;
  readonly resized_size: Size;
  readonly hashsum_original: string;
  readonly hashsum_resized: string;
  readonly server_name: string;
}

export interface SuccessRow extends SuccessMeta {
  readonly image: Uint8Array;
}

/** The columns filters read: all but `image`. */
export const META_COLUMNS = [
  'uuid', 'source_id', 'identifier', 'is_license_full', 'license', 'source', 'title',
  'original_size', 'resized_size', 'hashsum_original', 'hashsum_resized', 'server_name',
] as const;

function cellOf(value: unknown): Cell {
  if (value instanceof arrow.Vector) return Array.from(value as arrow.Vector<arrow.Int64>, Number);
  return (value ?? null) as Cell;
}

/** The rows of an Arrow table as plain objects, list columns as number arrays. */
export function rowsOf(table: arrow.Table): Record<string, Cell>[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!);
  const rows: Record<string, Cell>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, Cell> = {};
    names.forEach((name, c) => (row[name] = cellOf(columns[c]!.get(i))));
    rows.push(row);
  }
  return rows;
}

/** A row's cells in the order of `schema`, for tableFromRows. */
export function cellsOf(row: Readonly<Record<string, Cell>>, schema: arrow.Schema): Cell[] {
  return schema.fields.map((f) => row[f.name] ?? null);
}

/** Every row of a successes file without the images, `batchSize` at a time. */
export async function* streamSuccessMeta(file: string, batchSize = 8192): AsyncGenerator<SuccessMeta[]> {
  for await (const table of streamParquetFile(file, batchSize, META_COLUMNS)) yield rowsOf(table) as SuccessMeta[];
}

