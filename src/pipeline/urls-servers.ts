/**
 * The servers of initialization's input, numbered in order of first appearance: records carry the
 * number, so routing them back never decodes a name. Names are looked up by their bytes, in a hash
 * table of its own: nearly every row is a plain URL whose server name is taken from the bytes read
 * (see plainNetloc), and a Map would need a string of it for every row, and hash that.
 */
import type { Netloc } from './url-fast.js';
import { fnv1a, fnv1aBytes } from './uuid.js';

const COLON = 0x3a;

export class ServerTable {
  readonly names: string[] = [];
  /** Rows counted for each server. */
  readonly rows: number[] = [];
  /** Each server's spill bucket: a hash of its name, so that all of a server's rows share one. */
  readonly buckets: number[] = [];
  /** Open addressing: id + 1 (0 for an empty slot) and the name's hash, kept at most half full. */
  private slots = new Int32Array(1 << 10);
  private hashes = new Uint32Array(1 << 10);
  /** The names' UTF-8 bytes, back to back, and where each server's start. */
  private keys = new Uint8Array(1 << 14);
  private keysLength = 0;
  private readonly keyAt: number[] = [];
  /** The name being looked up. */
  private key = Buffer.allocUnsafe(256);

  constructor(private readonly bucketCount: number) {}

  /** Counts a row of the named server and answers its id. */
  add(name: string): number {
    if (this.key.length < name.length * 3) this.key = Buffer.allocUnsafe(name.length * 3);
    return this.addKey(this.key.write(name, 'utf8'));
  }

  /** The same for the server name of a plain URL in `b`, at `netloc`. */
  addNetloc(b: Uint8Array, netloc: Netloc): number {
    const { hostStart, hostEnd, portStart, portEnd } = netloc;
    const length = hostEnd - hostStart + (portEnd > portStart ? 1 + portEnd - portStart : 0);
    if (this.key.length < length) this.key = Buffer.allocUnsafe(length * 2);
    const key = this.key;
    let n = 0;
    // Lower-cased by OR 0x20: the host holds only letters, and digits, '-' and '.', which it leaves alone.
    for (let i = hostStart; i < hostEnd; i++) key[n++] = b[i]! | 0x20;
    if (portEnd > portStart) {
      key[n++] = COLON;
      for (let i = portStart; i < portEnd; i++) key[n++] = b[i]!;
    }
    return this.addKey(n);
  }

  /** Counts a row of the server named by the first `length` bytes of `key`. */
  private addKey(length: number): number {
    const key = this.key;
    const h = fnv1aBytes(key, 0, length);
    const mask = this.slots.length - 1;
    let s = h & mask;
    for (; this.slots[s] !== 0; s = (s + 1) & mask) {
      const id = this.slots[s]! - 1;
      if (this.hashes[s] === h && this.matches(id, length)) {
        this.rows[id]!++;
        return id;
      }
    }
    const id = this.names.length;
    const name = key.toString('utf8', 0, length);
    this.names.push(name);
    this.rows.push(1);
    this.buckets.push(fnv1a(name) % this.bucketCount);
    this.keep(length);
    this.slots[s] = id + 1;
    this.hashes[s] = h;
    if (2 * this.names.length > this.slots.length) this.grow();
    return id;
  }

  /** Whether server `id`'s name is the first `length` bytes of the key. */
  private matches(id: number, length: number): boolean {
    const at = this.keyAt[id]!;
    const end = id + 1 < this.keyAt.length ? this.keyAt[id + 1]! : this.keysLength;
    if (end - at !== length) return false;
    const { keys, key } = this;
    for (let i = 0; i < length; i++) if (keys[at + i] !== key[i]) return false;
    return true;
  }

  /** Appends the key's first `length` bytes to the names' bytes, as the newest server's. */
  private keep(length: number): void {
    if (this.keysLength + length > this.keys.length) {
      const bigger = new Uint8Array(2 * (this.keysLength + length));
      bigger.set(this.keys.subarray(0, this.keysLength));
      this.keys = bigger;
    }
    this.keys.set(this.key.subarray(0, length), this.keysLength);
    this.keyAt.push(this.keysLength);
    this.keysLength += length;
  }

  private grow(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Uint32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let t = 0; t < slots.length; t++) {
      if (slots[t] === 0) continue;
      let s = hashes[t]! & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = slots[t]!;
      this.hashes[s] = hashes[t]!;
    }
  }
}
