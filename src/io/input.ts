/**
 * Streaming readers for the URL list: TSV, CSV, Parquet and JSONL, each optionally gzipped. Rows come
 * out one at a time as string-valued records, so memory does not grow with the input. A row that
 * cannot be parsed is yielded as a `bad` row (it goes to rejected.parquet), never dropped.
 */
import { createReadStream, createWriteStream, promises as fs, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { lineBatches } from './lines.js';
import { fieldBounds, fileLinePieces, linePieces, lineBounds, type TsvBatch } from './tsv.js';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';

export type InputFormat = 'tsv' | 'csv' | 'parquet' | 'jsonl';
export type InputRecord = Record<string, string | null>;

/**
 * A parsed row is its values beside the names of its columns. `columns` is one shared array for all
 * rows of a TSV, CSV or Parquet input (so consumers can map names once per array, not per row); a
 * JSONL row has its own. A null value is an empty or missing field.
 */
/** What the readers yield: rows, or (for TSV) a batch of rows still in their bytes. */
export type InputBatch = InputRow[] | TsvBatch;

export type InputRow =
  | { kind: 'ok'; rowNumber: number; columns: readonly string[]; values: (string | null)[] }
  | { kind: 'bad'; rowNumber: number; reason: string; raw: string };

/** The row as a record (column name → value), as rejected rows and derived uuids see it. */
export function rowRecord(columns: readonly string[], values: readonly (string | null)[]): InputRecord {
  const record: InputRecord = {};
  for (let i = 0; i < columns.length; i++) record[columns[i]!] = values[i] ?? null;
  return record;
}

/** A record's columns and values; JSONL and Parquet rows are built as records so that repeated names keep the last value. */
function fromRecord(rowNumber: number, record: InputRecord): InputRow {
  return { kind: 'ok', rowNumber, columns: Object.keys(record), values: Object.values(record) };
}

export interface InputReadOptions {
  /** Format, or 'auto' to pick by extension. */
  format: InputFormat | 'auto';
  /** TSV/CSV: whether the first line names the columns; without it columns are named "1", "2", …. */
  header: boolean;
  /** Renames input columns (input name → new name) before rows are yielded. */
  columnMap: Readonly<Record<string, string>>;
  /** Called now and then with the share of the input read so far (0..1), for progress. */
  onProgress?: (fraction: number) => void;
  /** Folder for a decompressed copy of a gzipped Parquet file (Parquet needs random access). */
  scratchDir: string;
}

export class InputFormatError extends Error {
  override readonly name = 'InputFormatError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

/** Tabular inputs must have a URL column; refusing up front beats rejecting every row. */
function requireIdentifier(file: string, columns: readonly string[]): void {
  if (!columns.includes('identifier')) {
    throw new InputFormatError(
      file,
      `no "identifier" (URL) column; the columns are ${columns.map((c) => `"${c}"`).join(', ')}: ` +
        'rename one with input.column_map (e.g. "url: identifier")',
    );
  }
}

export function detectFormat(file: string): { format: InputFormat; gzipped: boolean } {
  const lower = file.toLowerCase();
  const gzipped = lower.endsWith('.gz') || lower.endsWith('.gzip');
  const base = gzipped ? lower.replace(/\.gz(ip)?$/, '') : lower;
  const ext = path.extname(base);
  const byExt: Record<string, InputFormat> = {
    '.tsv': 'tsv', '.txt': 'tsv', '.tab': 'tsv',
    '.csv': 'csv',
    '.parquet': 'parquet', '.pq': 'parquet',
    '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl',
  };
  const format = byExt[ext];
  if (!format) {
    throw new InputFormatError(file, `cannot tell the format from the extension "${ext}"; set input.format to tsv, csv, parquet or jsonl`);
  }
  return { format, gzipped };
}

async function isGzipped(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's byte stream, decompressed when gzipped, reporting the share of raw bytes read. */
function openText(file: string, gzipped: boolean, onProgress?: (fraction: number) => void): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (onProgress) {
    const size = statSync(file).size;
    let read = 0;
    raw.on('data', (chunk: Buffer | string) => {
      read += chunk.length;
      onProgress(size > 0 ? read / size : 1);
    });
  }
  if (!gzipped) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

function stringify(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function renamer(columnMap: Readonly<Record<string, string>>): (name: string) => string {
  return (name) => columnMap[name] ?? name;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function headerColumns(file: string, fields: string[], rename: (n: string) => string): string[] {
  const columns = fields.map((f) => rename(f.trim()));
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new InputFormatError(file, `column "${dup}" appears twice in the header (after input.column_map)`);
  requireIdentifier(file, columns);
  return columns;
}

/** Turns the fields of one line into a row, or a bad row when the count is off. */
function delimitedRow(columns: readonly string[], fields: string[], rowNumber: number, line: number): InputRow {
  if (fields.length !== columns.length) {
    return {
      kind: 'bad',
      rowNumber,
      reason: `wrong number of fields: ${fields.length} instead of ${columns.length} (line ${line})`,
      raw: JSON.stringify(fields),
    };
  }
  // The fields array is the row's own (fresh from the split), so it becomes the values in place.
  const values: (string | null)[] = fields;
  for (let i = 0; i < values.length; i++) if (values[i] === '') values[i] = null;
  return { kind: 'ok', rowNumber, columns, values };
}

/**
 * TSV: no quoting (GBIF's exports use none: a quote is data), so a split per line is the whole
 * parser. Rows come out as byte-level batches (see tsv.ts); rows with the wrong number of fields as
 * bad rows between them, in input order.
 */
async function* readTsv(file: string, gzipped: boolean, opts: InputReadOptions): AsyncGenerator<InputBatch> {
  const rename = renamer(opts.columnMap);
  let columns: string[] | null = null;
  let rowNumber = 0;
  let line = 0;
  // Reused from piece to piece (a batch is consumed before the next is asked for): fresh memory
  // costs more than filling it.
  let boundsStore = new Int32Array(0);
  let rowNumbersStore = new Float64Array(0);
  const pieces = gzipped ? linePieces(openText(file, gzipped, opts.onProgress)) : fileLinePieces(file, opts.onProgress);
  for await (const { buf, ascii } of pieces) {
    const lines = lineBounds(buf);
    const count = lines.length / 2;
    let k = columns ? columns.length : 0;
    const arrays = () => {
      if (boundsStore.length < count * (k + 1)) boundsStore = new Int32Array(Math.ceil(count * 1.25) * (k + 1));
      if (rowNumbersStore.length < count) rowNumbersStore = new Float64Array(Math.ceil(count * 1.25));
    };
    arrays();
    let bounds = boundsStore;
    const rowNumbers = rowNumbersStore;
    let rows = 0;
    const batch = (): TsvBatch => ({ columns: columns!, buf, ascii, rows, rowNumbers, bounds });
    for (let i = 0; i < count; i++) {
      line++;
      let start = lines[2 * i]!;
      const end = lines[2 * i + 1]!;
      if (line === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
      if (start >= end) continue;
      if (columns === null) {
        const fields = buf.toString('utf8', start, end).split('\t');
        columns = headerColumns(file, opts.header ? fields : fields.map((_f, j) => String(j + 1)), rename);
        k = columns.length;
        arrays();
        bounds = boundsStore;
        if (opts.header) continue;
      }
      const fields = fieldBounds(buf, start, end, k, bounds, rows * (k + 1));
      if (fields !== k) {
        // Rare: the rows so far go out first, so that the bad row keeps its place in input order.
        // The batch has been consumed when this resumes, so its arrays can be filled again.
        if (rows) yield batch();
        rows = 0;
        yield [delimitedRow(columns, buf.toString('utf8', start, end).split('\t'), ++rowNumber, line)];
        continue;
      }
      rowNumbers[rows++] = ++rowNumber;
    }
    if (rows) yield batch();
  }
}

/** CSV: RFC 4180 quoting (fields may hold commas, quotes and newlines), parsed by csv-parse. */
async function* readCsvRows(file: string, gzipped: boolean, opts: InputReadOptions): AsyncGenerator<InputRow[]> {
  const rename = renamer(opts.columnMap);
  const parser = parseCsv({ relax_column_count: true, relax_quotes: true, bom: true, skip_empty_lines: true, info: true });
  const source = openText(file, gzipped, opts.onProgress);
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  let columns: string[] | null = null;
  let rowNumber = 0;
  let rows: InputRow[] = [];
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (columns === null) {
      if (opts.header) {
        columns = headerColumns(file, item.record, rename);
        continue;
      }
      columns = headerColumns(file, item.record.map((_f, i) => String(i + 1)), rename);
    }
    rows.push(delimitedRow(columns, item.record, ++rowNumber, item.info.lines));
    if (rows.length >= 4096) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length) yield rows;
}

async function* readJsonl(file: string, gzipped: boolean, opts: InputReadOptions): AsyncGenerator<InputRow[]> {
  const rename = renamer(opts.columnMap);
  let rowNumber = 0;
  for await (const lines of lineBatches(openText(file, gzipped, opts.onProgress))) {
    const rows: InputRow[] = [];
    for (const raw of lines) {
      const line = stripCr(raw);
      if (line.trim() === '') continue;
      rowNumber++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        rows.push({ kind: 'bad', rowNumber, reason: `not valid JSON: ${(err as Error).message}`, raw: line });
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        rows.push({ kind: 'bad', rowNumber, reason: 'a JSONL line must be a JSON object', raw: line });
        continue;
      }
      const record: InputRecord = {};
      for (const [k, v] of Object.entries(parsed)) record[rename(k)] = stringify(v);
      rows.push(fromRecord(rowNumber, record));
    }
    if (rows.length) yield rows;
  }
}

async function* readParquet(file: string, gzipped: boolean, opts: InputReadOptions): AsyncGenerator<InputRow[]> {
  // Loaded here: Arrow and parquet-wasm take a few hundred milliseconds to load, which the other
  // formats need not pay (initialization's main thread does not use them otherwise).
  const { parquetRowCount, streamParquetFile } = await import('./parquet.js');
  let source = file;
  if (gzipped) {
    await fs.mkdir(opts.scratchDir, { recursive: true });
    source = path.join(opts.scratchDir, 'input.parquet');
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(source));
  }
  const rename = renamer(opts.columnMap);
  const total = await parquetRowCount(source);
  let rowNumber = 0;
  for await (const table of streamParquetFile(source)) {
    const names = table.schema.fields.map((f) => f.name);
    const renamed = names.map(rename);
    requireIdentifier(file, renamed);
    const vectors = names.map((_n, i) => table.getChildAt(i)!);
    const rows: InputRow[] = [];
    for (let r = 0; r < table.numRows; r++) {
      const record: InputRecord = {};
      for (let c = 0; c < names.length; c++) record[renamed[c]!] = stringify(vectors[c]!.get(r));
      rows.push(fromRecord(++rowNumber, record));
    }
    yield rows;
    opts.onProgress?.(total > 0 ? rowNumber / total : 1);
  }
  if (gzipped) await fs.rm(source, { force: true });
}

/**
 * Streams the rows of an input file, a batch at a time, in input order (TSV as byte-level batches,
 * each valid only until the next batch is asked for: their memory is reused). Errors of the file as
 * a whole (no URL column, duplicate header names) throw InputFormatError.
 */
export async function* readInput(file: string, opts: InputReadOptions): AsyncGenerator<InputBatch> {
  const detected = opts.format === 'auto' ? detectFormat(file) : { format: opts.format, gzipped: false };
  const gzipped = detected.gzipped || (await isGzipped(file));
  switch (detected.format) {
    case 'tsv':
      yield* readTsv(file, gzipped, opts);
      return;
    case 'csv':
      yield* readCsvRows(file, gzipped, opts);
      return;
    case 'jsonl':
      yield* readJsonl(file, gzipped, opts);
      return;
    case 'parquet':
      yield* readParquet(file, gzipped, opts);
      return;
  }
}

