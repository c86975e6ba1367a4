/**
 * The Arrow table of a urls batch, built from spilled records (see urls-record.ts) by copying their
 * value bytes straight into Arrow buffers. Loaded by the worker threads only.
 */
import * as arrow from 'apache-arrow';
import { NULL_LENGTH } from '../io/byte-writer.js';
import { URL_COLUMNS, urlsSchema } from './schemas.js';

/** What a worker needs to build one urls batch. */
export interface UrlsBatchSpec {
  /** Input column names in the order of the records' values (uuid excluded). */
  columns: string[];
  /** Server ids of the batch's records and their names. */
  servers: [number, string][];
  /** Framed records (u32 length, payload), in batch order, back to back unless `starts` is given. */
  records: Uint8Array;
  rows: number;
  /** Where each of the `rows` framed records starts in `records`. Default: one after the other from 0. */
  starts?: Int32Array;
}

const SOURCE_ROW = -1;
const SOURCE_SERVER = -2;
const SOURCE_UUID = -3;
const SOURCE_NONE = -4;

/** The schema of a batch: the fixed columns, then the input's other columns. */
export function urlsBatchSchema(columns: readonly string[]): arrow.Schema {
  return urlsSchema(columns.filter((n) => !(URL_COLUMNS as readonly string[]).includes(n)));
}

/** Builds the Arrow table of a urls batch from its spilled records. */
export function buildUrlsTable(spec: UrlsBatchSpec): arrow.Table {
  const schema = urlsBatchSchema(spec.columns);
  const buf = Buffer.from(spec.records.buffer, spec.records.byteOffset, spec.records.byteLength);
  const n = spec.rows;
  const k = spec.columns.length;
  // Per record: the uuid's and each value's byte bounds ([start, length], length NULL_LENGTH for null).
  const slots = k + 1;
  const starts = new Int32Array(n * slots);
  const lengths = new Uint32Array(n * slots);
  const rowNumbers = new BigInt64Array(n);
  const serverIds = new Uint32Array(n);
  const recordStarts = spec.starts;
  let at = 0;
  for (let r = 0; r < n; r++) {
    if (recordStarts) at = recordStarts[r]!;
    const end = at + 4 + buf.readUInt32LE(at);
    at += 4;
    rowNumbers[r] = BigInt(buf.readDoubleLE(at));
    serverIds[r] = buf.readUInt32LE(at + 8);
    at += 12;
    const base = r * slots;
    let len = buf.readUInt32LE(at);
    starts[base] = at + 4;
    lengths[base] = len;
    at += 4 + (len === NULL_LENGTH ? 0 : len);
    const count = buf.readUInt32LE(at);
    at += 4;
    for (let v = 0; v < k; v++) {
      if (v >= count) {
        lengths[base + 1 + v] = NULL_LENGTH;
        continue;
      }
      len = buf.readUInt32LE(at);
      starts[base + 1 + v] = at + 4;
      lengths[base + 1 + v] = len;
      at += 4 + (len === NULL_LENGTH ? 0 : len);
    }
    at = end;
  }
  const serverBytes = new Map<number, Buffer>(spec.servers.map(([id, name]) => [id, Buffer.from(name)]));

  const vectorOf = (source: number, type: arrow.DataType): arrow.Data => {
    if (source === SOURCE_ROW) return arrow.makeData({ type: type as arrow.Int64, length: n, nullCount: 0, data: rowNumbers });
    const offsets = new Int32Array(n + 1);
    const validity = new Uint8Array((n + 7) >> 3);
    let total = 0;
    let nulls = 0;
    const slot = source === SOURCE_UUID ? 0 : source + 1;
    for (let r = 0; r < n; r++) {
      let len: number;
      if (source === SOURCE_SERVER) len = serverBytes.get(serverIds[r]!)!.length;
      else if (source === SOURCE_NONE) len = NULL_LENGTH;
      else len = lengths[r * slots + slot]!;
      if (len === NULL_LENGTH) nulls++;
      else {
        validity[r >> 3]! |= 1 << (r & 7);
        total += len;
      }
      offsets[r + 1] = total;
    }
    const data = Buffer.allocUnsafe(total);
    for (let r = 0; r < n; r++) {
      const from = offsets[r]!;
      if (offsets[r + 1] === from) continue;
      const src = source === SOURCE_SERVER ? serverBytes.get(serverIds[r]!)! : buf;
      const s = source === SOURCE_SERVER ? 0 : starts[r * slots + slot]!;
      const len = offsets[r + 1]! - from;
      // Values are short: a loop beats the checks and views of a native copy.
      if (len < 64) for (let i = 0; i < len; i++) data[from + i] = src[s + i]!;
      else data.set(src.subarray(s, s + len), from);
    }
    return arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount: nulls, nullBitmap: validity, valueOffsets: offsets, data });
  };

  const children = schema.fields.map((f) => {
    // As the row's record would have it: uuid, the input's columns, then server_name set over them.
    const source =
      f.name === 'row_number' ? SOURCE_ROW
      : f.name === 'server_name' ? SOURCE_SERVER
      : f.name === 'uuid' ? SOURCE_UUID
      : spec.columns.indexOf(f.name) >= 0 ? spec.columns.indexOf(f.name)
      : SOURCE_NONE;
    return vectorOf(source, f.type as arrow.DataType);
  });
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }));
  return new arrow.Table([batch]);
}
