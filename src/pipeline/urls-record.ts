/**
 * The spilled form of an accepted input row (the batch table built from such records is in
 * urls-table.ts, so that the main thread never loads Arrow).
 *
 * A record is binary: f64 row number, u32 server id, the uuid, a u32 value count and the values (in
 * the order of the input's columns), each string as u32 UTF-8 byte length (0xFFFFFFFF for null) and
 * bytes. Routing reads only the fixed-size head; building a batch copies the value bytes straight
 * into Arrow buffers, so no value is decoded or re-encoded after the input was parsed.
 */
import { ByteReader, ByteWriter } from '../io/byte-writer.js';

export function writeUrlsRecord(w: ByteWriter, rowNumber: number, serverId: number, uuid: string, values: readonly (string | null)[]): void {
  w.f64(rowNumber);
  w.u32(serverId);
  w.str(uuid);
  w.u32(values.length);
  for (let i = 0; i < values.length; i++) w.str(values[i] ?? null);
}

export function recordRowNumber(buf: Buffer, start: number): number {
  return buf.readDoubleLE(start);
}

export function recordServerId(buf: Buffer, start: number): number {
  return buf.readUInt32LE(start + 8);
}

export interface UrlsRecord {
  rowNumber: number;
  serverId: number;
  uuid: string;
  values: (string | null)[];
}

/** The whole record as strings: only for the rare rows that are rejected after spilling. */
export function decodeUrlsRecord(buf: Buffer, start: number): UrlsRecord {
  const r = new ByteReader(buf, start + 12);
  const uuid = r.str()!;
  const count = r.u32();
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) values.push(r.str());
  return { rowNumber: recordRowNumber(buf, start), serverId: recordServerId(buf, start), uuid, values };
}
