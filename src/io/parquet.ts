/**
 * Parquet through apache-arrow (in JS) and parquet-wasm (encoding). Files are written atomically.
 */
import { promises as fs, openAsBlob, createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import * as arrow from 'apache-arrow';
import * as pq from 'parquet-wasm/node';
import { produceAtomic, writeFileAtomic } from './atomic.js';

export interface EncodeOptions {
  /**
   * Columns whose values are (nearly) all different, written without a dictionary: building one
   * only to abandon it is most of the encoding time of such columns. Default: none.
   */
  distinctColumns?: readonly string[];
  /**
   * `page` (the default) writes min/max statistics per page and per column chunk; `chunk` only per
   * column chunk (row group), which still lets readers skip row groups and is several times cheaper.
   */
  statistics?: 'page' | 'chunk';
  /** Most rows per row group. Default parquet-wasm's, 1,048,576. */
  maxRowGroupRows?: number;
}

/** Snappy: cheap to write and read, and the image bytes (most of the data) are compressed already. */
function writerProperties(opts: EncodeOptions = {}): pq.WriterProperties {
  let builder = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY);
  if (opts.statistics === 'chunk') builder = builder.setStatisticsEnabled(pq.EnabledStatistics.Chunk);
  if (opts.maxRowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(opts.maxRowGroupRows);
  for (const column of opts.distinctColumns ?? []) builder = builder.setColumnDictionaryEnabled(column, false);
  return builder.build();
}

function toWasm(table: arrow.Table): pq.Table {
  return pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
}

export function encodeParquet(table: arrow.Table, opts: EncodeOptions = {}): Uint8Array {
  return pq.writeParquet(toWasm(table), writerProperties(opts));
}

export async function writeParquetFile(target: string, table: arrow.Table): Promise<void> {
  await writeFileAtomic(target, encodeParquet(table));
}

export async function readParquetFile(file: string): Promise<arrow.Table> {
  const bytes = await fs.readFile(file);
  return arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
}

export async function parquetRowCount(file: string): Promise<number> {
  const parquet = await pq.ParquetFile.fromFile(await openAsBlob(file));
  try {
    return parquet.metadata().fileMetadata().numRows();
  } finally {
    parquet.free();
  }
}

/**
 * Streams a Parquet file as Arrow tables of at most `batchSize` rows, in bounded memory, reading
 * only `columns` when given (e.g. everything but the images).
 */
export async function* streamParquetFile(file: string, batchSize = 8192, columns?: readonly string[]): AsyncGenerator<arrow.Table> {
  const parquet = await pq.ParquetFile.fromFile(await openAsBlob(file));
  try {
    const stream = (await parquet.stream({ batchSize, ...(columns ? { columns: [...columns] } : {}) })) as ReadableStream<pq.RecordBatch>;
    for await (const batch of stream) yield arrow.tableFromIPC(batch.intoIPCStream());
  } finally {
    parquet.free();
  }
}

/**
 * Writes one Parquet file from many Arrow tables (all of one schema) without holding them all. The
 * encoder keeps a row group in memory until it is complete, so row groups hold as many rows as the
 * first table appended (left to parquet-wasm, a row group would take a million rows: a whole batch
 * of images). The file appears at `target` only on close().
 */
export class ParquetStreamWriter {
  private controller!: ReadableStreamDefaultController<pq.RecordBatch>;
  private readonly input: ReadableStream<pq.RecordBatch>;
  private pipeline: Promise<void> | null = null;
  private finish!: () => void;
  private fail!: (err: unknown) => void;
  private readonly done: Promise<void>;

  constructor(private readonly target: string, private readonly schema: arrow.Schema) {
    this.input = new ReadableStream<pq.RecordBatch>({ start: (c) => void (this.controller = c) }, { highWaterMark: 2 });
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    // A write that fails before close() (say, the folder cannot be made) is raised by close(); until
    // then it must not count as unhandled, which would end the process or the writer thread.
    this.done.catch(() => undefined);
  }

  private start(rows: number): void {
    // parquet-wasm resolves the output stream only once it has seen the first batch (for the schema),
    // so the pipe is set up lazily after the first enqueue.
    const output = pq.transformParquetStream(this.input, writerProperties({ maxRowGroupRows: rows }));
    this.pipeline = produceAtomic(this.target, async (tmp) => {
      await (await output).pipeTo(Writable.toWeb(createWriteStream(tmp)) as WritableStream<Uint8Array>);
    });
    this.pipeline.then(this.finish, this.fail);
  }

  append(table: arrow.Table): void {
    if (table.numRows === 0) return;
    for (const batch of toWasm(table).recordBatches()) this.controller.enqueue(batch);
    if (!this.pipeline) this.start(table.numRows);
  }

  async close(): Promise<void> {
    if (!this.pipeline) {
      // Nothing appended: still write a valid file with the schema and zero rows.
      this.controller.close();
      await writeParquetFile(this.target, new arrow.Table(this.schema));
      return;
    }
    this.controller.close();
    await this.done;
  }
}
