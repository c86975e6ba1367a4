/** Deterministic uuids for rows that come without one: a re-run on the same input gives the same ids. */
import { createHash } from 'node:crypto';
import type { InputRecord } from '../io/input.js';

/**
 * A name-based (version 5 style) UUID from the row's content: identical rows get identical uuids
 * (and so the later copy is rejected as a duplicate), different rows different ones.
 */
export function deriveUuid(record: InputRecord): string {
  const keys = Object.keys(record).filter((k) => k !== 'uuid').sort();
  const canonical = JSON.stringify(keys.map((k) => [k, record[k]]));
  const h = createHash('sha1').update('distributed-downloader:row:').update(canonical).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** FNV-1a: a cheap, stable string hash for spreading keys over spill buckets. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** fnv1a over bytes: the same as fnv1a over a string of the same (ASCII) characters. */
export function fnv1aBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
