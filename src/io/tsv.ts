/**
 * TSV at the byte level. Decoding the whole input to strings, splitting it into lines and fields and
 * encoding the fields again for the spill files cost more than everything else initialization does;
 * a batch of TSV lines is instead kept as the bytes read, with the bounds of every field, and only
 * the fields a consumer looks at (the URL, the uuid) become strings.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';

const NL = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

/**
 * Whole lines of a byte stream, a chunk's worth at a time, always valid UTF-8: a piece that is not
 * has its bad sequences replaced by U+FFFD, exactly as decoding the stream to text would (a newline
 * never falls inside a multi-byte sequence, so pieces split at newlines decode as the whole would).
 */
export async function* linePieces(stream: Readable): AsyncGenerator<{ buf: Buffer; ascii: boolean }> {
  let rest: Buffer | null = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      rest = buf;
      continue;
    }
    rest = last + 1 < buf.length ? buf.subarray(last + 1) : null;
    yield piece(buf.subarray(0, last + 1));
  }
  if (rest && rest.length) yield piece(rest);
}

function piece(buf: Buffer): { buf: Buffer; ascii: boolean } {
  const valid = isUtf8(buf) ? buf : Buffer.from(buf.toString('utf8'));
  return { buf: valid, ascii: isAscii(valid) };
}

/**
 * The same pieces as linePieces, of a plain (not compressed) file read into one reused buffer: a
 * stream's fresh buffer per chunk, and the copy that joins a chunk to the last one's unfinished line,
 * faulted in as much new memory as the input, which costs more than the reading. A piece is valid
 * only until the next is asked for. `chunkBytes` (default 1 MiB) is the read size; the buffer grows
 * past it only for a longer line. `onProgress` gets the share of the file read so far.
 */
export async function* fileLinePieces(file: string, onProgress?: (fraction: number) => void, chunkBytes = 1 << 20): AsyncGenerator<{ buf: Buffer; ascii: boolean }> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    let buf = Buffer.allocUnsafe(chunkBytes);
    // Bytes of an unfinished line at the start of buf.
    let kept = 0;
    let read = 0;
    for (;;) {
      if (kept === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, kept, buf.length - kept, null);
      if (bytesRead === 0) break;
      read += bytesRead;
      onProgress?.(size > 0 ? Math.min(1, read / size) : 1);
      const end = kept + bytesRead;
      const last = buf.lastIndexOf(NL, end - 1);
      if (last < 0) {
        kept = end;
        continue;
      }
      yield piece(buf.subarray(0, last + 1));
      buf.copyWithin(0, last + 1, end);
      kept = end - last - 1;
    }
    if (kept) yield piece(buf.subarray(0, kept));
  } finally {
    await handle.close();
  }
}

/**
 * Lines of a piece as [start, end) pairs without the newline and one trailing CR (as
 * `line.endsWith('\r')` would strip), empty lines included.
 */
export function lineBounds(buf: Buffer): Int32Array {
  let count = 0;
  for (let at = buf.indexOf(NL); at >= 0; at = buf.indexOf(NL, at + 1)) count++;
  if (buf.length && buf[buf.length - 1] !== NL) count++;
  const out = new Int32Array(count * 2);
  let start = 0;
  for (let i = 0; i < count; i++) {
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    const next = end + 1;
    if (end > start && buf[end - 1] === CR) end--;
    out[2 * i] = start;
    out[2 * i + 1] = end;
    start = next;
  }
  return out;
}

/**
 * Writes the start of each field of buf[start, end) to `out` from `at`, then `end + 1` (so field f
 * spans out[at+f] .. out[at+f+1]-1). Stops after `max` fields; answers how many there are (up to
 * max + 1, which means "more than max").
 */
export function fieldBounds(buf: Buffer, start: number, end: number, max: number, out: Int32Array, at: number): number {
  let fields = 1;
  out[at] = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === TAB) {
      if (fields === max) return max + 1;
      out[at + fields] = i + 1;
      fields++;
    }
  }
  out[at + fields] = end + 1;
  return fields;
}

/** A batch of TSV rows, all with the header's number of fields, kept as bytes. */
export interface TsvBatch {
  /** Column names (after input.column_map), shared by every batch of the file. */
  columns: readonly string[];
  /** Valid UTF-8; `ascii` when every byte is below 0x80 (strings can then be made byte for byte). */
  buf: Buffer;
  ascii: boolean;
  /** Rows in the batch. */
  rows: number;
  rowNumbers: Float64Array;
  /** Row r's field f is buf[bounds[r*(k+1)+f], bounds[r*(k+1)+f+1]-1) for k columns. */
  bounds: Int32Array;
}

/** A field as a string, or null when empty (TSV has no other way to say null). */
export function tsvField(batch: TsvBatch, row: number, field: number): string | null {
  const k = batch.columns.length + 1;
  const s = batch.bounds[row * k + field]!;
  const e = batch.bounds[row * k + field + 1]! - 1;
  if (e <= s) return null;
  return batch.buf.toString(batch.ascii ? 'latin1' : 'utf8', s, e);
}

/** All of a row's values as strings. */
export function tsvValues(batch: TsvBatch, row: number): (string | null)[] {
  const values: (string | null)[] = [];
  for (let f = 0; f < batch.columns.length; f++) values.push(tsvField(batch, row, f));
  return values;
}
