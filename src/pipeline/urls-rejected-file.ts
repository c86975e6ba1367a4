/** rejected.parquet from the rejected-row spill (see urls-rejected.ts), on a worker thread. */
import { ByteReader } from '../io/byte-writer.js';
import { ParquetStreamWriter } from '../io/parquet.js';
import { recordChunks } from '../io/record-spill.js';
import { rejectedSchema, tableFromRows, type Cell } from './schemas.js';

export interface RejectedFileTask {
  kind: 'rejected';
  /** The spill file; null when no row was rejected (the file then has the schema and no rows). */
  file: string | null;
  /** Where rejected.parquet is written (atomically). */
  target: string;
}

/** Rows per appended table, so per row group: as many as the file always had. */
const REJECTED_FLUSH_ROWS = 10_000;

export async function writeRejectedFile(task: RejectedFileTask): Promise<void> {
  const writer = new ParquetStreamWriter(task.target, rejectedSchema);
  let rows: Cell[][] = [];
  if (task.file !== null) {
    for await (const chunk of recordChunks(task.file)) {
      for (let at = 0; at < chunk.length; ) {
        const r = new ByteReader(chunk, at + 4);
        at = r.at + chunk.readUInt32LE(at);
        const rowNumber = r.f64();
        const reason = r.str();
        const uuid = r.str();
        const identifier = r.str();
        const server = r.str();
        const raw = r.str();
        rows.push([rowNumber, reason, uuid, identifier, server, raw]);
        if (rows.length >= REJECTED_FLUSH_ROWS) {
          writer.append(tableFromRows(rejectedSchema, rows));
          rows = [];
        }
      }
    }
  }
  if (rows.length) writer.append(tableFromRows(rejectedSchema, rows));
  await writer.close();
}
