/**
 * A growable byte buffer for length-prefixed binary records. Writing strings straight into one
 * buffer avoids the intermediate strings (JSON, joined lines) that made spilling cost as much as
 * parsing, and the reader side can copy values as bytes without decoding them.
 */
export class ByteWriter {
  buf: Buffer;
  length = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  /** A string as u32 byte length and UTF-8 bytes, or 0xFFFFFFFF for null. */
  str(s: string | null): void {
    if (s === null) {
      this.u32(NULL_LENGTH);
      return;
    }
    // A string takes at most 3 UTF-8 bytes per UTF-16 unit.
    this.reserve(4 + s.length * 3);
    const at = this.length + 4;
    let n = 0;
    // Short ASCII strings (nearly all values) are cheaper to copy in JS than through the encoder.
    if (s.length < 64) {
      const b = this.buf;
      for (; n < s.length; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        b[at + n] = c;
      }
      if (n < s.length) n = b.write(s, at);
    } else {
      n = this.buf.write(s, at);
    }
    this.buf.writeUInt32LE(n, this.length);
    this.length = at + n;
  }

  /** Bytes src[start, end) as a string would be written by str(): u32 length, then the bytes. */
  strBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(4 + n);
    const b = this.buf;
    b.writeUInt32LE(n, this.length);
    let at = this.length + 4;
    // Field values are short: a loop beats the bounds checks and views of a native copy.
    if (n < 64) for (let i = start; i < end; i++) b[at++] = src[i]!;
    else b.set(src.subarray(start, end), at);
    this.length += 4 + n;
  }

  bytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Starts over, keeping the memory when it is small and dropping it otherwise. */
  reset(keepBytes = 1 << 16): void {
    this.length = 0;
    if (this.buf.length > keepBytes) this.buf = Buffer.allocUnsafe(keepBytes);
  }
}

export const NULL_LENGTH = 0xffffffff;

/** Reads what ByteWriter wrote, from a position onwards: for the rare records that are decoded whole. */
export class ByteReader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}

  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  /** A string written by ByteWriter.str (null for NULL_LENGTH). */
  str(): string | null {
    const n = this.u32();
    if (n === NULL_LENGTH) return null;
    this.at += n;
    return this.buf.toString('utf8', this.at - n, this.at);
  }
}
