/**
 * Where the download stage's successes.parquet files are built and encoded. Building a row group's
 * Arrow table, serialising it and encoding it in parquet-wasm took about a quarter of the main
 * thread's time on the mixed benchmark, and a batch's last row group (for most batches their only
 * one) is written when it finishes: a hundred batches finishing together stalled every download for
 * seconds. The download stage therefore writes them in a thread of its own; the same code serves
 * in-thread for a BatchOutput used on its own (tools, tests).
 */
import { WorkerPool } from '../io/worker-pool.js';
import { ParquetStreamWriter } from '../io/parquet.js';
import { successesSchema, tableFromRows, type Cell } from './schemas.js';

/** Writes successes files, each from row groups appended in order. */
export interface SuccessesSink {
  /** Appends `rows` (cells in the successes schema's order) to `target`; its first append sets the rows per row group. */
  append(target: string, rows: Cell[][]): Promise<void>;
  /** Writes `target` under its name (with no rows if none were appended). */
  close(target: string): Promise<void>;
}

export type SuccessesTask = { kind: 'append'; target: string; rows: Cell[][] } | { kind: 'close'; target: string };

/** Builds and encodes on the calling thread; one writer per open file. */
export class LocalSuccessesSink implements SuccessesSink {
  private readonly writers = new Map<string, ParquetStreamWriter>();

  async append(target: string, rows: Cell[][]): Promise<void> {
    let writer = this.writers.get(target);
    if (!writer) this.writers.set(target, (writer = new ParquetStreamWriter(target, successesSchema)));
    writer.append(tableFromRows(successesSchema, rows));
  }

  async close(target: string): Promise<void> {
    const writer = this.writers.get(target) ?? new ParquetStreamWriter(target, successesSchema);
    this.writers.delete(target);
    await writer.close();
  }

  run(task: SuccessesTask): Promise<void> {
    return task.kind === 'append' ? this.append(task.target, task.rows) : this.close(task.target);
  }
}

/**
 * A LocalSuccessesSink in one worker thread. One thread, so the tasks of a file run in the order
 * given. The rows are handed over: image bytes that own their memory are moved to the thread, not
 * copied, and the caller must not use them after. Copying a 32 MiB row group (structured clone) held
 * the event loop for 110–160 ms, stalling every download and inflating every host's TTFB; moving it
 * takes 4 ms. (Node still copies memory it cannot move, such as sharp's output buffers.)
 */
export class SuccessesWriterThread implements SuccessesSink {
  private readonly pool = new WorkerPool<SuccessesTask, null>(new URL('./successes-worker.js', import.meta.url), 1);

  async append(target: string, rows: Cell[][]): Promise<void> {
    await this.pool.run({ kind: 'append', target, rows }, ownedBuffers(rows));
  }

  async close(target: string): Promise<void> {
    await this.pool.run({ kind: 'close', target });
  }

  /** Stops the thread; files not closed by then are left unfinished (as after a crash: temporary files only). */
  shutdown(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * The memory behind byte cells that each span all of theirs. A small Buffer is a slice of a pool
 * shared with others, which moving would empty too; it is copied.
 */
function ownedBuffers(rows: readonly Cell[][]): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const row of rows) {
    for (const cell of row) {
      if (cell instanceof Uint8Array && cell.buffer instanceof ArrayBuffer && cell.byteOffset === 0 && cell.byteLength === cell.buffer.byteLength) {
        owned.add(cell.buffer);
      }
    }
  }
  return [...owned];
}
