/**
 * Arrow schemas of the files the pipeline writes (DESIGN §4–§5). Every file of a kind has the same
 * schema, also when it has no rows.
 */
import * as arrow from 'apache-arrow';

const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), true);
const int64 = (name: string) => new arrow.Field(name, new arrow.Int64(), true);
const bool = (name: string) => new arrow.Field(name, new arrow.Bool(), true);
const binary = (name: string) => new arrow.Field(name, new arrow.Binary(), true);
const sizeList = (name: string) => new arrow.Field(name, new arrow.List(new arrow.Field('item', new arrow.Int64(), true)), true);

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

/**
 * successes.parquet (DESIGN §5): the Python tool's columns in its order; `server_name` is appended
 * (new columns only ever go at the end) because a packed `_small` batch holds many servers.
 */
export const successesSchema = new arrow.Schema([
  utf8('uuid'),
  utf8('source_id'),
  utf8('identifier'),
  bool('is_license_full'),
  utf8('license'),
  utf8('source'),
  utf8('title'),
  sizeList('original_size'),
  sizeList('resized_size'),
  utf8('hashsum_original'),
  utf8('hashsum_resized'),
  binary('image'),
  utf8('server_name'),
]);

/** errors.parquet (DESIGN §5), `server_name` appended as in successes. */
export const errorsSchema = new arrow.Schema([
  utf8('uuid'),
  utf8('identifier'),
  int64('retry_count'),
  int64('error_code'),
  utf8('error_msg'),
  utf8('error_class'),
  utf8('server_name'),
]);

export type Cell = string | number | bigint | boolean | null | Uint8Array | readonly number[];

/**
 * A variable-width column (Utf8 or Binary) built in one pass into a single buffer: several times
 * faster than Arrow's generic builder, which encodes value by value (initialization writes millions).
 */
function variableWidthVector(type: arrow.Utf8 | arrow.Binary, values: ReadonlyArray<Cell>): arrow.Vector {
  const n = values.length;
  const isText = arrow.DataType.isUtf8(type);
  let bytes = 0;
  for (const v of values) {
    if (isText && typeof v === 'string') bytes += Buffer.byteLength(v);
    else if (!isText && v instanceof Uint8Array) bytes += v.byteLength;
  }
  const data = Buffer.allocUnsafe(bytes);
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (isText && typeof v === 'string') {
      at += data.write(v, at);
    } else if (!isText && v instanceof Uint8Array) {
      data.set(v, at);
      at += v.byteLength;
    } else {
      nulls++;
      offsets[i + 1] = at;
      continue;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    offsets[i + 1] = at;
  }
  const props = { length: n, nullCount: nulls, nullBitmap: validity, valueOffsets: offsets, data };
  return isText
    ? arrow.makeVector(arrow.makeData({ type: type as arrow.Utf8, ...props }))
    : arrow.makeVector(arrow.makeData({ type: type as arrow.Binary, ...props }));
}

function columnVector(field: arrow.Field, values: Cell[]): arrow.Vector {
  const type = field.type as arrow.DataType;
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) return variableWidthVector(type, values);
  if (arrow.DataType.isList(type)) {
    return arrow.vectorFromArray(values.map((v) => (Array.isArray(v) ? v.map((x: number) => BigInt(x)) : null)), type);
  }
  const isInt64 = arrow.DataType.isInt(type) && type.bitWidth === 64;
  return arrow.vectorFromArray(isInt64 ? values.map((v) => (typeof v === 'number' ? BigInt(v) : v)) : values, type);
}

/** Builds a table of `schema` from rows given as arrays in schema order. */
export function tableFromRows(schema: arrow.Schema, rows: ReadonlyArray<ReadonlyArray<Cell>>): arrow.Table {
  if (rows.length === 0) return new arrow.Table(schema);
  const columns = schema.fields.map((field, i) => columnVector(field, rows.map((r) => r[i] ?? null)));
  const batch = new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children: columns.map((c) => c.data[0]!),
  }));
  return new arrow.Table([batch]);
}
