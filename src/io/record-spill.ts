/**
 * Keyed temporary files of binary records with bounded write buffers, the binary sibling of
 * SpillFiles: each record is framed by its u32 byte length, buffered per key, and appended to the
 * key's file when the buffers together exceed the budget, so memory does not grow with the input.
 */
import { appendFileSync, createReadStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ByteWriter } from './byte-writer.js';

export class RecordSpill {
  private readonly writers: (ByteWriter | undefined)[];
  private readonly written: boolean[];
  /** Each key's buffer size at the last flush: the next buffer starts that big instead of growing. */
  private readonly sizeHint: Int32Array;
  private bufferedBytes = 0;
  /** Buffers up to this size are kept from one flush to the next. */
  private readonly keepBytes: number;
  private open = -1;
  private openAt = 0;

  /** `keys` files, numbered 0..keys-1; `budgetBytes` of buffered records before they are written. */
  constructor(private readonly dir: string, keys: number, private readonly budgetBytes: number) {
    mkdirSync(dir, { recursive: true });
    this.writers = new Array<ByteWriter | undefined>(keys);
    this.written = new Array<boolean>(keys).fill(false);
    this.sizeHint = new Int32Array(keys).fill(1024);
    this.keepBytes = Math.max(4096, (2 * budgetBytes) / keys);
  }

  private file(key: number): string {
    return path.join(this.dir, `${key}.bin`);
  }

  /** Starts a record of `key`: write its payload to the returned writer, then call end(). */
  begin(key: number): ByteWriter {
    let w = this.writers[key];
    if (!w) this.writers[key] = w = new ByteWriter(this.sizeHint[key]);
    this.open = key;
    this.openAt = w.length;
    w.u32(0);
    return w;
  }

  end(): void {
    const w = this.writers[this.open]!;
    const size = w.length - this.openAt - 4;
    w.buf.writeUInt32LE(size, this.openAt);
    this.bufferedBytes += size + 4;
    this.open = -1;
    if (this.bufferedBytes > this.budgetBytes) this.flush();
  }

  flush(): void {
    for (let key = 0; key < this.writers.length; key++) {
      const w = this.writers[key];
      if (!w || w.length === 0) continue;
      appendFileSync(this.file(key), w.view());
      this.written[key] = true;
      this.sizeHint[key] = Math.max(1024, Math.min(w.length + (w.length >> 3), this.budgetBytes));
      // Kept when no bigger than twice a fair share of the budget, so together they stay within twice
      // the budget: reusing memory is much cheaper than faulting in fresh pages. A buffer sized for
      // its key's busiest moment is dropped, or they would add up.
      if (w.buf.length <= this.keepBytes) w.length = 0;
      else this.writers[key] = undefined;
    }
    this.bufferedBytes = 0;
  }

  /** The file of one key's records (framed, in the order written), or null when it has none. Call flush() first. */
  fileOf(key: number): string | null {
    return this.written[key] ? this.file(key) : null;
  }

  /**
   * The records of one key in the order they were written, as buffers of whole framed records (each
   * a u32 byte length and that many bytes). Call flush() first.
   */
  async *chunks(key: number): AsyncGenerator<Buffer> {
    if (this.written[key]) yield* recordChunks(this.file(key));
  }

  /** Deletes one key's file once it has been consumed, to give the disk space back early. */
  discard(key: number): void {
    if (this.written[key]) rmSync(this.file(key), { force: true });
    this.written[key] = false;
  }
}

/** The framed records of a spill file in order, as buffers of whole records, about 1 MiB at a time. */
export async function* recordChunks(file: string): AsyncGenerator<Buffer> {
  let rest: Buffer | null = null;
  for await (const data of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf: Buffer = rest ? Buffer.concat([rest, data]) : data;
    const end = wholeRecordsEnd(buf);
    if (end > 0) yield buf.subarray(0, end);
    rest = end < buf.length ? buf.subarray(end) : null;
  }
  if (rest) throw new Error(`${file}: truncated record at the end of the spill file`);
}

/** Where the last complete framed record in `buf` ends. */
function wholeRecordsEnd(buf: Buffer): number {
  let at = 0;
  while (at + 4 <= buf.length) {
    const next = at + 4 + buf.readUInt32LE(at);
    if (next > buf.length) break;
    at = next;
  }
  return at;
}
