/**
 * Rejected rows. The main thread spills them as binary records, in order, so it never loads Arrow or
 * parquet-wasm (a few hundred milliseconds of start-up on its critical path); a worker thread turns
 * the spill into rejected.parquet at the end (see urls-rejected-file.ts).
 *
 * A record: f64 row number, then reason, uuid, identifier, server and raw row as strings (u32 UTF-8
 * byte length, 0xFFFFFFFF for null, bytes).
 */
import { RecordSpill } from '../io/record-spill.js';

export class RejectedSpill {
  private readonly spill: RecordSpill;
  count = 0;

  /** Spills to `dir`, buffering up to `budgetBytes` of records in memory. */
  constructor(dir: string, budgetBytes: number) {
    this.spill = new RecordSpill(dir, 1, budgetBytes);
  }

  add(rowNumber: number, reason: string, uuid: string | null, identifier: string | null, server: string | null, raw: string): void {
    const w = this.spill.begin(0);
    w.f64(rowNumber);
    w.str(reason);
    w.str(uuid);
    w.str(identifier);
    w.str(server);
    w.str(raw);
    this.spill.end();
    this.count++;
  }

  /** Writes out what is buffered; answers the spill file, or null when no row was rejected. */
  finish(): string | null {
    this.spill.flush();
    return this.spill.fileOf(0);
  }
}
