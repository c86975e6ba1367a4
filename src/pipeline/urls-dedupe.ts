/**
 * Duplicate uuids, found one uuid bucket at a time (on a worker thread). The uuid spill's records are
 * f64 row number, u32 server bucket, then the uuid as u32 length and UTF-8 bytes; a bucket holds
 * every row of its uuids in input order, so the first row of a uuid keeps it and later ones are
 * duplicates of that first row.
 */
import type { ByteWriter } from '../io/byte-writer.js';
import { FileBuffer } from '../io/file-buffer.js';

export interface DedupeTask {
  kind: 'dedupe';
  /** Spill files of uuid buckets (framed records as above). */
  files: string[];
}

/** Writes one uuid spill record: the row, the server bucket its urls record went to, its uuid. */
export function writeUuidRecord(w: ByteWriter, rowNumber: number, serverBucket: number, uuid: Uint8Array | string, start = 0, end = 0): void {
  w.f64(rowNumber);
  w.u32(serverBucket);
  if (typeof uuid === 'string') w.str(uuid);
  else w.strBytes(uuid, start, end);
}

/**
 * The duplicates in `files` as (row number, first row number, server bucket) triples, bucket by
 * bucket in record order.
 */
/** This thread's read buffer, reused for every bucket. */
const files = new FileBuffer();

export function findDuplicates(task: DedupeTask): Float64Array {
  const out: number[] = [];
  for (const file of task.files) {
    const chunk = files.read(file);
    const firstSeen = new Map<string, number>();
    for (let at = 0; at < chunk.length; ) {
      const start = at + 4;
      at = start + chunk.readUInt32LE(at);
      const rowNumber = chunk.readDoubleLE(start);
      // The uuid's UTF-8 bytes as a one-byte string: equal bytes, equal keys, and cheap to make.
      const key = chunk.toString('latin1', start + 16, at);
      const first = firstSeen.get(key);
      if (first === undefined) firstSeen.set(key, rowNumber);
      else out.push(rowNumber, first, chunk.readUInt32LE(start + 8));
    }
  }
  return Float64Array.from(out);
}
