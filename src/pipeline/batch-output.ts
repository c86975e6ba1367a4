/**
 * One batch's download output (DESIGN §5): successes.parquet, errors.parquet, then the `completed`
 * marker, last. Successes stream out in row groups of bounded size, so memory does not grow with the
 * batch size; nothing becomes visible under its final name before the batch is finished.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readParquetFile, streamParquetFile, writeParquetFile } from '../io/parquet.js';
import { errorsSchema, successesSchema, tableFromRows, type Cell } from './schemas.js';
import { LocalSuccessesSink, type SuccessesSink } from './successes-sink.js';

export interface SuccessRecord {
  uuid: string;
  source_id: string | null;
  identifier: string;
  license: string | null;
  source: string | null;
  title: string | null;
  /** [height, width] of the downloaded image (after EXIF orientation). */
  original_size: [number, number];
  /** [height, width] of the stored image. */
  resized_size: [number, number];
  hashsum_original: string;
  hashsum_resized: string;
  image: Uint8Array;
  server_name: string;
}

export interface ErrorRecord {
  uuid: string;
  identifier: string;
  retry_count: number;
  error_code: number;
  error_msg: string;
  error_class: string;
  server_name: string;
}

export interface BatchOutputOptions {
  /** Image bytes buffered before rows go to the writer; the first such rows set the rows per row group. Default 32 MiB. */
  rowGroupBytes?: number;
  /** Where successes.parquet is built and encoded. Default: on this thread. */
  sink?: SuccessesSink;
}

export const SUCCESSES_FILE = 'successes.parquet';
export const ERRORS_FILE = 'errors.parquet';
export const COMPLETED_MARKER = 'completed';

function successCells(r: SuccessRecord): Cell[] {
  const full = r.license !== null && r.source !== null && r.title !== null;
  return [
    r.uuid, r.source_id, r.identifier, full, r.license, r.source, r.title,
    r.original_size, r.resized_size, r.hashsum_original, r.hashsum_resized, r.image, r.server_name,
  ];
}

function errorCells(r: ErrorRecord): Cell[] {
  return [r.uuid, r.identifier, r.retry_count, r.error_code, r.error_msg, r.error_class, r.server_name];
}

/** Removes leftovers of an attempt that was killed half-way (temporary files only). */
export async function clearPartialBatch(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(entries.filter((e) => e.startsWith('.') && e.endsWith('.tmp')).map((e) => fs.rm(path.join(dir, e), { force: true })));
}

export class BatchOutput {
  private readonly sink: SuccessesSink;
  private readonly successesFile: string;
  /** Row groups handed to the sink; awaited (and their errors raised) by finish(). */
  private readonly writes: Promise<void>[] = [];
  private pending: Cell[][] = [];
  private pendingBytes = 0;
  private readonly errors: Cell[][] = [];
  private readonly rowGroupBytes: number;
  successCount = 0;
  errorCount = 0;

  constructor(readonly dir: string, opts: BatchOutputOptions = {}) {
    this.rowGroupBytes = opts.rowGroupBytes ?? 32 * 1024 * 1024;
    this.sink = opts.sink ?? new LocalSuccessesSink();
    this.successesFile = path.join(dir, SUCCESSES_FILE);
  }

  addSuccess(record: SuccessRecord): void {
    this.pending.push(successCells(record));
    this.pendingBytes += record.image.byteLength;
    this.successCount++;
    if (this.pendingBytes >= this.rowGroupBytes) this.flushSuccesses();
  }

  addError(record: ErrorRecord): void {
    this.errors.push(errorCells(record));
    this.errorCount++;
  }

  private flushSuccesses(): void {
    if (this.pending.length) {
      const write = this.sink.append(this.successesFile, this.pending);
      // Raised by finish(); until then a failure must not count as unhandled.
      write.catch(() => undefined);
      this.writes.push(write);
    }
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * Starts from a completed batch's output, for a retry round: its successes are streamed into the
   * new file and the errors `keep` accepts are kept; the others are the ones being retried.
   * The caller removes the `completed` marker first, so a crash half-way leaves a batch that is
   * simply downloaded again.
   */
  async carryOver(keep: (error: ErrorRecord) => boolean): Promise<ErrorRecord[]> {
    for await (const table of streamParquetFile(path.join(this.dir, SUCCESSES_FILE), 256)) {
      const rows: Cell[][] = [];
      for (const r of table.toArray() as Record<string, unknown>[]) {
        rows.push(successesSchema.fields.map((f) => {
          const v = r[f.name];
          return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? Array.from(v as Iterable<bigint>, Number) : (v as Cell);
        }));
        this.pendingBytes += (r.image as Uint8Array | null)?.byteLength ?? 0;
      }
      this.pending.push(...rows);
      this.successCount += rows.length;
      if (this.pendingBytes >= this.rowGroupBytes) this.flushSuccesses();
    }
    const retried: ErrorRecord[] = [];
    for (const r of (await readParquetFile(path.join(this.dir, ERRORS_FILE))).toArray() as Record<string, unknown>[]) {
      const record: ErrorRecord = {
        uuid: String(r.uuid),
        identifier: String(r.identifier),
        retry_count: Number(r.retry_count),
        error_code: Number(r.error_code),
        error_msg: String(r.error_msg),
        error_class: String(r.error_class),
        server_name: String(r.server_name),
      };
      if (keep(record)) this.addError(record);
      else retried.push(record);
    }
    return retried;
  }

  /** Writes both files and then the `completed` marker. */
  async finish(): Promise<void> {
    this.flushSuccesses();
    await Promise.all(this.writes);
    await this.sink.close(this.successesFile);
    await writeParquetFile(path.join(this.dir, ERRORS_FILE), tableFromRows(errorsSchema, this.errors));
    await writeFileAtomic(
      path.join(this.dir, COMPLETED_MARKER),
      JSON.stringify({ successes: this.successCount, errors: this.errorCount }) + '\n',
      true,
    );
  }
}
