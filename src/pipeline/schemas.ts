/**
 * Arrow schemas of the files the pipeline writes (DESIGN §4–§5). Every file of a kind has the same
 * schema, also when it has no rows.
 */
import * as arrow from 'apache-arrow';

const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), true);
const int64 = (name: string) => new arrow.Field(name, new arrow.Int64(), true);

/** Columns every urls batch starts with; extra input columns follow as strings. */
export const URL_COLUMNS = ['uuid', 'identifier', 'source_id', 'license', 'source', 'title', 'server_name'] as const;

export function urlsSchema(extraColumns: readonly string[]): arrow.Schema {
  return new arrow.Schema([...URL_COLUMNS.map(utf8), int64('row_number'), ...extraColumns.map(utf8)]);
}

export const rejectedSchema = new arrow.Schema([
  int64('row_number'),
  utf8('reason'),
  utf8('uuid'),
  utf8('identifier'),
  utf8('server_name'),
  utf8('raw'),
]);

export type Cell = string | number | bigint | boolean | null | Uint8Array | readonly number[];

/** Builds a table of `schema` from rows given as arrays in schema order. */
export function tableFromRows(schema: arrow.Schema, rows: ReadonlyArray<ReadonlyArray<Cell>>): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  schema.fields.forEach((field, i) => {
    const values = rows.map((r) => {
      const v = r[i] ?? null;
      return arrow.DataType.isInt(field.type) && field.type.bitWidth === 64 && typeof v === 'number' ? BigInt(v) : v;
    });
    columns[field.name] = arrow.vectorFromArray(values, field.type);
  });
  return rows.length === 0 ? new arrow.Table(schema) : new arrow.Table(schema, new arrow.Table(columns).batches);
}
