/**
 * A Parquet file written row by row in bounded memory: rows are buffered until their images reach
 * a row group's worth of bytes, then appended. Like every Parquet file here, it appears under its
 * name only once it is whole.
 */
import type * as arrow from 'apache-arrow';
import { ParquetStreamWriter } from '../io/parquet.js';
import { tableFromRows, type Cell } from '../pipeline/schemas.js';

const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024;

export class RowGroupWriter {
  private readonly writer: ParquetStreamWriter;
  private pending: Cell[][] = [];
  private pendingBytes = 0;
  rows = 0;

  constructor(target: string, private readonly schema: arrow.Schema, private readonly rowGroupBytes = DEFAULT_ROW_GROUP_BYTES) {
    this.writer = new ParquetStreamWriter(target, schema);
  }

  add(cells: Cell[]): void {
    this.pending.push(cells);
    this.rows++;
    for (const c of cells) if (c instanceof Uint8Array) this.pendingBytes += c.byteLength;
    if (this.pendingBytes >= this.rowGroupBytes) this.flush();
  }

  private flush(): void {
    if (this.pending.length > 0) this.writer.append(tableFromRows(this.schema, this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  async close(): Promise<void> {
    this.flush();
    await this.writer.close();
  }
}
