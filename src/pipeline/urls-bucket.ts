/**
 * One server bucket of initialization, on a worker thread: its spill file read back whole, duplicate
 * rows set aside as rejected, each big server's rows written as batches of `batchSize` in input
 * order, and the small servers' rows handed back (in name order) for the main thread to pack into
 * shared batches, which span buckets. Doing this on the workers lets two buckets be read, sorted and
 * written at once, and leaves the main thread nothing but the packing.
 */
import { FileBuffer } from '../io/file-buffer.js';
import type { InputRecord } from '../io/input.js';
import { decodeUrlsRecord, recordRowNumber, recordServerId } from './urls-record.js';
import { urlsBatchFile, writeUrlsBatch } from './urls-batch.js';

export interface ServerBucketTask {
  kind: 'bucket';
  /** The bucket's spill file of framed urls records in input order; null when no row went there. */
  file: string | null;
  /** The staging urls folder, where batch files go. */
  staging: string;
  /** Input column names in the order of the records' values (uuid excluded). */
  columns: string[];
  batchSize: number;
  /** The bucket's servers (every server whose rows are in it): ids, names and whether each is small. */
  serverIds: number[];
  serverNames: string[];
  small: Uint8Array;
  /** Rows of this bucket to reject as duplicates: (row number, first row number) pairs. */
  duplicates: Float64Array;
}

/** A rejected row as rejected.parquet has it: row number, reason, uuid, identifier, server, raw. */
export type RejectedRow = [number, string, string | null, string | null, string | null, string];

export interface ServerBucketResult {
  /** Partitions written, in the order they were made: server, partition id, rows. */
  partitions: [string, number, number][];
  /** Big servers with rows, in name order: name, partitions, rows. */
  bigServers: [string, number, number][];
  /** Duplicate rows, in the bucket's (input) order. */
  rejected: RejectedRow[];
  /** Small servers with rows, in name order, and their framed records back to back in that order. */
  smallIds: number[];
  smallRows: number[];
  smallBytes: number[];
  smallRecords: Uint8Array;
}

interface ServerRows {
  id: number;
  name: string;
  small: boolean;
  /** Where this server's framed records start in the bucket, pending (big) or all (small). */
  starts: number[];
  bytes: number;
  partitions: number;
  rows: number;
}

/** This thread's read buffer, reused for every bucket (fresh memory costs more than the reading). */
const files = new FileBuffer();

const byName = (a: ServerRows, b: ServerRows) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The row as a record (uuid first, then every input column), as rejected rows show it. */
function recordOf(columns: readonly string[], values: readonly (string | null)[], uuid: string | null): InputRecord {
  const r: InputRecord = uuid === null ? {} : { uuid };
  columns.forEach((n, i) => (r[n] = values[i] ?? null));
  return r;
}

export function writeServerBucket(task: ServerBucketTask): ServerBucketResult {
  const result: ServerBucketResult = { partitions: [], bigServers: [], rejected: [], smallIds: [], smallRows: [], smallBytes: [], smallRecords: new Uint8Array(0) };
  if (task.file === null) return result;
  const buf = files.read(task.file);
  const duplicateOf = new Map<number, number>();
  for (let i = 0; i < task.duplicates.length; i += 2) duplicateOf.set(task.duplicates[i]!, task.duplicates[i + 1]!);
  const servers = new Map<number, ServerRows>();
  task.serverIds.forEach((id, i) =>
    servers.set(id, { id, name: task.serverNames[i]!, small: task.small[i] === 1, starts: [], bytes: 0, partitions: 0, rows: 0 }),
  );
  const write = (s: ServerRows) => {
    const rows = s.starts.length;
    const partition = s.partitions++;
    writeUrlsBatch({
      file: urlsBatchFile(task.staging, s.name, partition),
      columns: task.columns,
      servers: [[s.id, s.name]],
      records: buf,
      starts: Int32Array.from(s.starts),
      rows,
    });
    result.partitions.push([s.name, partition, rows]);
    s.starts = [];
  };

  // Servers in the order their first kept row appears: only those have rows to write.
  const seen: ServerRows[] = [];
  for (let at = 0; at < buf.length; ) {
    const record = at;
    const start = at + 4;
    at = start + buf.readUInt32LE(at);
    const rowNumber = recordRowNumber(buf, start);
    const s = servers.get(recordServerId(buf, start))!;
    const first = duplicateOf.get(rowNumber);
    if (first !== undefined) {
      const row = decodeUrlsRecord(buf, start);
      const values = recordOf(task.columns, row.values, row.uuid);
      const reason = `duplicate uuid (first seen at row ${first})`;
      result.rejected.push([rowNumber, reason, row.uuid, values.identifier ?? null, s.name, JSON.stringify(values)]);
      continue;
    }
    if (s.rows === 0) seen.push(s);
    s.rows++;
    s.starts.push(record);
    s.bytes += at - record;
    if (!s.small && s.starts.length === task.batchSize) write(s);
  }

  // Every row of a server is in this bucket, so its last batch is complete now.
  const big = seen.filter((s) => !s.small).sort(byName);
  for (const s of big) {
    if (s.starts.length) write(s);
    result.bigServers.push([s.name, s.partitions, s.rows]);
  }
  const small = seen.filter((s) => s.small).sort(byName);
  let total = 0;
  for (const s of small) total += s.bytes;
  const out = new Uint8Array(total);
  let to = 0;
  for (const s of small) {
    for (const from of s.starts) {
      const end = from + 4 + buf.readUInt32LE(from);
      out.set(buf.subarray(from, end), to);
      to += end - from;
    }
    result.smallIds.push(s.id);
    result.smallRows.push(s.rows);
    result.smallBytes.push(s.bytes);
  }
  result.smallRecords = out;
  return result;
}
