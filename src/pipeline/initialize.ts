/**
 * Initialization: stream the URL list, validate every row, and write each server's rows as batches
 * of `batch_size` under urls/server_name=<host>/partition_id=<k>/urls.parquet. Servers with few URLs
 * are packed together under server_name=_small. Invalid and duplicate rows go to rejected.parquet.
 *
 * Memory stays bounded whatever the input size: rows are spilled once to temporary files by server
 * bucket (a hash of the server name, so all of a server's rows share a file, in input order), and
 * their uuids alone to files by uuid bucket, which are checked for duplicates one at a time before the
 * rows are read back. Everything is built in scratch and staging folders and moved into place at the
 * end, so a run killed at any point leaves nothing a re-run could mistake for finished work.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { readInput, type InputRecord } from '../io/input.js';
import { encodeParquet, ParquetStreamWriter } from '../io/parquet.js';
import { writeFileAtomic } from '../io/atomic.js';
import { SpillFiles } from '../io/spill.js';
import { writeCsvAtomic } from '../io/csv.js';
import { SMALL_SERVERS } from './layout.js';
import { rejectedSchema, tableFromRows, urlsSchema, URL_COLUMNS, type Cell } from './schemas.js';
import { parseImageUrl } from './url.js';
import { deriveUuid, fnv1a } from './uuid.js';
import type { StageContext } from './context.js';

/** uuid buckets for duplicate detection; each is checked in memory on its own. */
const UUID_BUCKETS = 256;
/**
 * Input bytes per server bucket: a bucket's small servers and unfinished batches are held in memory
 * while it is written, so the bucket count grows with the input and memory does not.
 */
const BYTES_PER_SERVER_BUCKET = 8 * 1024 * 1024;
/** A gzipped input expands about this much. */
const GZIP_EXPANSION = 5;
const REJECTED_FLUSH_ROWS = 10_000;
/** Batch files being written at once. */
const PARALLEL_WRITES = 8;

/** The list of partitions, written beside the batches for the later stages. */
export const PARTITIONS_INDEX = '_partitions.csv';
/** Every server with the partitions that hold its rows (`_small` ones included). */
export const SERVERS_INDEX = '_servers.csv';

export interface InitializeSummary {
  inputRows: number;
  acceptedRows: number;
  rejectedRows: number;
  servers: number;
  smallServers: number;
  partitions: number;
}

/**
 * A spilled row is one line: `rowNumber \t serverName \t JSON(uuid) \t JSON(values in column order)`.
 * The duplicate check and the routing by server read only the prefix, never parsing the values.
 * (Server names cannot hold tabs or newlines; JSON escapes them in the rest.)
 */
interface SpilledRow {
  rowNumber: number;
  server: string;
  uuid: string;
  values: (string | null)[];
}

function spillLine(rowNumber: number, server: string, uuidJson: string, values: (string | null)[]): string {
  return `${rowNumber}\t${server}\t${uuidJson}\t${JSON.stringify(values)}`;
}

/** The prefix of a spilled line: row number, server name and the uuid still JSON-encoded. */
function spillHead(line: string): { rowNumber: number; server: string; uuidJson: string } {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  const c = line.indexOf('\t', b + 1);
  return { rowNumber: Number(line.slice(0, a)), server: line.slice(a + 1, b), uuidJson: line.slice(b + 1, c) };
}

function parseSpilled(line: string): SpilledRow {
  const head = spillHead(line);
  const valuesAt = line.indexOf('\t', line.indexOf('\t', line.indexOf('\t') + 1) + 1) + 1;
  return {
    rowNumber: head.rowNumber,
    server: head.server,
    uuid: JSON.parse(head.uuidJson) as string,
    values: JSON.parse(line.slice(valuesAt)) as (string | null)[],
  };
}

class RejectedSink {
  private rows: Cell[][] = [];
  count = 0;
  constructor(private readonly writer: ParquetStreamWriter) {}
  add(rowNumber: number, reason: string, uuid: string | null, identifier: string | null, server: string | null, raw: string): void {
    this.rows.push([rowNumber, reason, uuid, identifier, server, raw]);
    this.count++;
    if (this.rows.length >= REJECTED_FLUSH_ROWS) this.flush();
  }
  flush(): void {
    if (this.rows.length) this.writer.append(tableFromRows(rejectedSchema, this.rows));
    this.rows = [];
  }
  async close(): Promise<void> {
    this.flush();
    await this.writer.close();
  }
}

/** Input column names in order of first appearance (JSONL rows may differ from each other). */
class Columns {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  indexOf(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
  values(record: InputRecord): (string | null)[] {
    for (const k of Object.keys(record)) if (k !== 'uuid') this.indexOf(k);
    return this.names.map((n) => record[n] ?? null);
  }
  record(values: readonly (string | null)[], uuid: string | null): InputRecord {
    const r: InputRecord = uuid === null ? {} : { uuid };
    this.names.forEach((n, i) => (r[n] = values[i] ?? null));
    return r;
  }
}

export async function initialize(config: LoadedConfig, ctx: StageContext): Promise<InitializeSummary> {
  const { layout } = ctx;
  const batchSize = config.downloader_parameters.batch_size;
  const smallLimit = Math.min(config.input.small_server_urls, batchSize);
  const budget = config.input.spill_buffer_mib * 1024 * 1024;

  await Promise.all([layout.initScratch, layout.urlsStaging].map((d) => fs.rm(d, { recursive: true, force: true })));
  await fs.mkdir(layout.urlsStaging, { recursive: true });
  const rejectedTmp = path.join(layout.initScratch, 'rejected.parquet');
  const rejected = new RejectedSink(new ParquetStreamWriter(rejectedTmp, rejectedSchema));

  // Pass 1: validate, derive uuids and server names, count rows per server; spill each row to its
  // server's bucket and its uuid to the uuid's bucket.
  const { size: inputBytes } = await fs.stat(config.path_to_input);
  const expanded = /\.gz(ip)?$/i.test(config.path_to_input) ? inputBytes * GZIP_EXPANSION : inputBytes;
  const serverBuckets = Math.min(4096, Math.max(1, Math.ceil(expanded / BYTES_PER_SERVER_BUCKET)));
  const columns = new Columns();
  const serverRows = new Map<string, number>();
  const byServer = new SpillFiles(path.join(layout.initScratch, 'by-server'), budget / 2);
  const byUuid = new SpillFiles(path.join(layout.initScratch, 'by-uuid'), budget / 2);
  const progress = ctx.progress('initialize: reading input', 'rows');
  let inputRows = 0;
  for await (const rows of readInput(config.path_to_input, {
    format: config.input.format,
    header: config.downloader_parameters.header !== false,
    columnMap: config.input.column_map,
    scratchDir: layout.initScratch,
    onProgress: (f) => progress.update(f, inputRows),
  })) {
    for (const row of rows) {
      inputRows++;
      if (row.kind === 'bad') {
        rejected.add(row.rowNumber, row.reason, null, null, null, row.raw);
        continue;
      }
      const identifier = row.record.identifier ?? null;
      const uuid = row.record.uuid ?? deriveUuid(row.record);
      const parsed = parseImageUrl(identifier);
      if (!parsed.ok) {
        rejected.add(row.rowNumber, parsed.reason, uuid, identifier, null, JSON.stringify(row.record));
        continue;
      }
      const server = parsed.serverName;
      serverRows.set(server, (serverRows.get(server) ?? 0) + 1);
      const uuidJson = JSON.stringify(uuid);
      byServer.append(String(fnv1a(server) % serverBuckets), spillLine(row.rowNumber, server, uuidJson, columns.values(row.record)));
      byUuid.append(String(fnv1a(uuidJson) % UUID_BUCKETS), `${row.rowNumber}\t${uuidJson}`);
    }
  }
  byServer.flush();
  byUuid.flush();
  progress.done(inputRows);

  // Pass 2: duplicate uuids, one uuid bucket at a time: the first row keeps its uuid, later ones are
  // rejected when their server bucket is read back.
  const duplicateOf = new Map<number, number>();
  const dedupe = ctx.progress('initialize: duplicate check', 'buckets');
  for (let b = 0; b < UUID_BUCKETS; b++) {
    const firstSeen = new Map<string, number>();
    for await (const chunk of byUuid.lines(String(b))) {
      for (const line of chunk) {
        if (line === '') continue;
        const tab = line.indexOf('\t');
        const rowNumber = Number(line.slice(0, tab));
        const uuidJson = line.slice(tab + 1);
        const first = firstSeen.get(uuidJson);
        if (first === undefined) firstSeen.set(uuidJson, rowNumber);
        else duplicateOf.set(rowNumber, first);
      }
    }
    byUuid.discard(String(b));
    dedupe.update((b + 1) / UUID_BUCKETS, b + 1);
  }
  dedupe.done(UUID_BUCKETS);

  // Pass 3: each server bucket in turn. A big server's batches are written as they fill (in input
  // order); small servers are collected and packed whole into shared batches, in name order.
  // Decided from the pass-1 counts, so removing duplicates cannot move a server between the two.
  const isSmall = (server: string) => serverRows.get(server)! < smallLimit;
  const schema = urlsSchema(columns.names.filter((n) => !(URL_COLUMNS as readonly string[]).includes(n)));
  const toCells = (row: SpilledRow): Cell[] => {
    const record = columns.record(row.values, row.uuid);
    record.server_name = row.server;
    return schema.fields.map((f) => (f.name === 'row_number' ? row.rowNumber : record[f.name] ?? null));
  };
  const partitions: [string, number, number][] = [];
  const serverIndex: [string, string, number, number, number][] = [];
  // Encoding is synchronous; the file system work of several batches overlaps instead of queueing.
  const writing = new Set<Promise<void>>();
  const writeBatch = async (folderServer: string, partitionId: number, lines: string[]) => {
    partitions.push([folderServer, partitionId, lines.length]);
    const file = layout.urlsBatch(folderServer, partitionId, layout.urlsStaging);
    const table = tableFromRows(schema, lines.map((l) => toCells(parseSpilled(l))));
    const done: Promise<void> = writeFileAtomic(file, encodeParquet(table)).finally(() => writing.delete(done));
    writing.add(done);
    if (writing.size >= PARALLEL_WRITES) await Promise.race(writing);
  };

  const progressWrite = ctx.progress('initialize: writing batches', 'buckets');
  const bigServers = new Map<string, { lines: string[]; partitions: number; rows: number }>();
  let packed: string[] = [];
  let smallPartition = 0;
  let smallServers = 0;
  for (let b = 0; b < serverBuckets; b++) {
    const small = new Map<string, string[]>();
    for await (const chunk of byServer.lines(String(b))) {
      for (const line of chunk) {
        if (line === '') continue;
        const { rowNumber, server } = spillHead(line);
        const first = duplicateOf.get(rowNumber);
        if (first !== undefined) {
          const row = parseSpilled(line);
          const record = columns.record(row.values, row.uuid);
          rejected.add(rowNumber, `duplicate uuid (first seen at row ${first})`, row.uuid, record.identifier ?? null, server, JSON.stringify(record));
          continue;
        }
        if (isSmall(server)) {
          const list = small.get(server);
          if (list) list.push(line);
          else small.set(server, [line]);
          continue;
        }
        let big = bigServers.get(server);
        if (!big) bigServers.set(server, (big = { lines: [], partitions: 0, rows: 0 }));
        big.lines.push(line);
        big.rows++;
        if (big.lines.length === batchSize) {
          await writeBatch(server, big.partitions++, big.lines);
          big.lines = [];
        }
      }
    }
    // Every row of a server is in one bucket, so its last batch is complete now.
    for (const [server, big] of [...bigServers].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))) {
      if (big.lines.length) await writeBatch(server, big.partitions++, big.lines);
      serverIndex.push([server, server, 0, big.partitions, big.rows]);
    }
    bigServers.clear();
    // Small servers: whole servers packed into shared batches, never split across two.
    for (const server of [...small.keys()].sort()) {
      const lines = small.get(server)!;
      if (packed.length + lines.length > batchSize) {
        await writeBatch(SMALL_SERVERS, smallPartition++, packed);
        packed = [];
      }
      packed.push(...lines);
      serverIndex.push([server, SMALL_SERVERS, smallPartition, 1, lines.length]);
      smallServers++;
    }
    byServer.discard(String(b));
    progressWrite.update((b + 1) / serverBuckets, b + 1);
  }
  if (packed.length) await writeBatch(SMALL_SERVERS, smallPartition++, packed);
  await rejected.close();
  await Promise.all(writing);
  progressWrite.done(serverBuckets);

  await writeCsvAtomic(path.join(layout.urlsStaging, PARTITIONS_INDEX), ['server_name', 'partition_id', 'rows'], partitions);
  await writeCsvAtomic(
    path.join(layout.urlsStaging, SERVERS_INDEX),
    ['server_name', 'folder', 'first_partition', 'partitions', 'rows'],
    serverIndex,
  );

  // Publish: urls folder and rejected.parquet into place; the caller then marks the checkpoint.
  await fs.rm(layout.urls, { recursive: true, force: true });
  await fs.rename(layout.urlsStaging, layout.urls);
  await fs.rename(rejectedTmp, layout.rejected);
  await fs.rm(layout.initScratch, { recursive: true, force: true });

  const acceptedRows = partitions.reduce((n, p) => n + p[2], 0);
  return {
    inputRows,
    acceptedRows,
    rejectedRows: rejected.count,
    servers: serverIndex.length,
    smallServers,
    partitions: partitions.length,
  };
}
