/**
 * Initialization: stream the URL list, validate every row, and write each server's rows as batches
 * of `batch_size` under urls/server_name=<host>/partition_id=<k>/urls.parquet. Servers with few URLs
 * are packed together under server_name=_small. Invalid and duplicate rows go to rejected.parquet.
 *
 * Memory stays bounded whatever the input size: rows are spilled once, as binary records, to
 * temporary files by server bucket (a hash of the server name, so all of a server's rows share a
 * file, in input order), and their uuids alone to files by uuid bucket, which are checked for
 * duplicates one at a time before the rows are read back. The main thread reads and routes the
 * input; worker threads check the uuid buckets, read the server buckets back and build, encode and
 * write the batch files, several buckets at once, while the main thread packs the small servers
 * that the workers hand back. Everything is built in scratch and staging folders and moved into
 * place at the end, so a run killed at any point leaves nothing a re-run could mistake for finished
 * work.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { readInput, rowRecord } from '../io/input.js';
import { RecordSpill } from '../io/record-spill.js';
import { NULL_LENGTH } from '../io/byte-writer.js';
import { tsvField, tsvValues, type TsvBatch } from '../io/tsv.js';
import { writeCsvAtomic } from '../io/csv.js';
import { SMALL_SERVERS } from './layout.js';
import { parseImageUrl } from './url.js';
import { plainNetloc, type Netloc } from './url-fast.js';
import { ServerTable } from './urls-servers.js';
import { deriveUuid, fnv1a, fnv1aBytes } from './uuid.js';
import { writeUrlsRecord } from './urls-record.js';
import { writeUuidRecord } from './urls-dedupe.js';
import { InitWorkers } from './urls-pool.js';
import { RejectedSpill } from './urls-rejected.js';
import type { ServerBucketResult } from './urls-bucket.js';
import type { StageContext } from './context.js';

/** uuid buckets for duplicate detection; each is checked in memory on its own. */
const UUID_BUCKETS = 256;
/** uuid buckets per duplicate-check task: few enough messages, enough tasks to share among the workers. */
const UUID_BUCKETS_PER_TASK = 16;
/**
 * Input bytes per server bucket: a bucket's small servers and unfinished batches are held in memory
 * while it is written, so the bucket count grows with the input and memory does not.
 */
const BYTES_PER_SERVER_BUCKET = 8 * 1024 * 1024;
/** A gzipped input expands about this much. */
const GZIP_EXPANSION = 5;
/**
 * Packed batches handed to the worker threads and not yet written, per worker: enough to keep them
 * busy between server buckets, few enough that the records they hold stay a few MiB per worker.
 */
const BATCHES_IN_FLIGHT_PER_WORKER = 2;
/**
 * Server buckets handed to the workers beyond one each: the next is queued while each worker is busy,
 * and results wait (holding their small servers' records) only until the earlier ones are packed.
 */
const EXTRA_BUCKETS_IN_FLIGHT = 1;

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

/** Where a row's columns go: computed once per distinct column array (once per input for TSV/CSV/Parquet). */
interface ColumnMapping {
  readonly columns: readonly string[];
  /** For each global column (uuid excluded), the row's index holding it, or -1. */
  readonly source: Int32Array;
  readonly identifier: number;
  readonly uuid: number;
}

/** Input column names in order of first appearance (JSONL rows may differ from each other). */
class Columns {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private last: ColumnMapping | null = null;

  private indexOf(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  /** Registers the row's column names and says where each global column's value is in the row. */
  mapping(columns: readonly string[]): ColumnMapping {
    if (this.last?.columns === columns && this.last.source.length === this.names.length) return this.last;
    for (const c of columns) if (c !== 'uuid') this.indexOf(c);
    const source = new Int32Array(this.names.length).fill(-1);
    columns.forEach((c, i) => {
      if (c !== 'uuid') source[this.index.get(c)!] = i;
    });
    this.last = { columns, source, identifier: columns.indexOf('identifier'), uuid: columns.indexOf('uuid') };
    return this.last;
  }
}

/** The row's values in global column order. */
function globalValues(mapping: ColumnMapping, values: readonly (string | null)[]): (string | null)[] {
  const out = new Array<string | null>(mapping.source.length);
  for (let g = 0; g < out.length; g++) {
    const i = mapping.source[g]!;
    out[g] = i < 0 ? null : values[i] ?? null;
  }
  return out;
}

export async function initialize(config: LoadedConfig, ctx: StageContext): Promise<InitializeSummary> {
  const { layout } = ctx;
  const batchSize = config.downloader_parameters.batch_size;
  const smallLimit = Math.min(config.input.small_server_urls, batchSize);
  const budget = config.input.spill_buffer_mib * 1024 * 1024;

  // Started first: loading Arrow and parquet-wasm in the workers overlaps with reading the input.
  const workers = new InitWorkers(config.input.workers);
  try {
    await Promise.all([layout.initScratch, layout.urlsStaging].map((d) => fs.rm(d, { recursive: true, force: true })));
    await fs.mkdir(layout.urlsStaging, { recursive: true });
    const rejected = new RejectedSpill(path.join(layout.initScratch, 'rejected'), budget / 8);

    // Pass 1: validate, derive uuids and server names, count rows per server; spill each row to its
    // server's bucket and its uuid to the uuid's bucket.
    const { size: inputBytes } = await fs.stat(config.path_to_input);
    const expanded = /\.gz(ip)?$/i.test(config.path_to_input) ? inputBytes * GZIP_EXPANSION : inputBytes;
    const serverBuckets = Math.min(4096, Math.max(1, Math.ceil(expanded / BYTES_PER_SERVER_BUCKET)));
    const columns = new Columns();
    const servers = new ServerTable(serverBuckets);
    const byServer = new RecordSpill(path.join(layout.initScratch, 'by-server'), serverBuckets, budget / 2);
    const byUuid = new RecordSpill(path.join(layout.initScratch, 'by-uuid'), UUID_BUCKETS, budget / 2);
    const progress = ctx.progress('initialize: reading input', 'rows');
    let inputRows = 0;
    /** Where plainNetloc found the current row's server name. */
    const netloc: Netloc = { hostStart: 0, hostEnd: 0, portStart: 0, portEnd: 0 };
    /** Any row, as strings: validated, its uuid derived when missing, spilled by server and by uuid. */
    const accept = (rowNumber: number, rowColumns: readonly string[], values: (string | null)[]): void => {
      const mapping = columns.mapping(rowColumns);
      const identifier = mapping.identifier < 0 ? null : values[mapping.identifier] ?? null;
      const uuid = (mapping.uuid < 0 ? null : values[mapping.uuid] ?? null) ?? deriveUuid(rowRecord(rowColumns, values));
      const parsed = parseImageUrl(identifier);
      if (!parsed.ok) {
        rejected.add(rowNumber, parsed.reason, uuid, identifier, null, JSON.stringify(rowRecord(rowColumns, values)));
        return;
      }
      const id = servers.add(parsed.serverName);
      const bucket = servers.buckets[id]!;
      writeUrlsRecord(byServer.begin(bucket), rowNumber, id, uuid, globalValues(mapping, values));
      byServer.end();
      writeUuidRecord(byUuid.begin(fnv1a(uuid) % UUID_BUCKETS), rowNumber, bucket, uuid);
      byUuid.end();
    };
    /**
     * The same for a TSV batch without decoding it: the server name of a plain URL is found in its
     * bytes (any other URL becomes a string for the full parser); the uuid and the values are copied
     * as bytes. Rows this cannot take as they are (no uuid, a URL to reject) go through accept().
     */
    const acceptTsv = (batch: TsvBatch): void => {
      const mapping = columns.mapping(batch.columns);
      const { buf, bounds } = batch;
      const stride = batch.columns.length + 1;
      for (let r = 0; r < batch.rows; r++) {
        inputRows++;
        const rowNumber = batch.rowNumbers[r]!;
        const at = r * stride;
        const uuidStart = mapping.uuid < 0 ? 0 : bounds[at + mapping.uuid]!;
        const uuidEnd = mapping.uuid < 0 ? 0 : bounds[at + mapping.uuid + 1]! - 1;
        const urlStart = mapping.identifier < 0 ? 0 : bounds[at + mapping.identifier]!;
        const urlEnd = mapping.identifier < 0 ? 0 : bounds[at + mapping.identifier + 1]! - 1;
        let id: number;
        if (uuidEnd > uuidStart && plainNetloc(buf, urlStart, urlEnd, netloc)) {
          id = servers.addNetloc(buf, netloc);
        } else {
          const parsed = uuidEnd > uuidStart ? parseImageUrl(mapping.identifier < 0 ? null : tsvField(batch, r, mapping.identifier)) : null;
          if (!parsed?.ok) {
            accept(rowNumber, batch.columns, tsvValues(batch, r));
            continue;
          }
          id = servers.add(parsed.serverName);
        }
        const bucket = servers.buckets[id]!;
        const w = byServer.begin(bucket);
        w.f64(rowNumber);
        w.u32(id);
        w.strBytes(buf, uuidStart, uuidEnd);
        w.u32(mapping.source.length);
        for (let g = 0; g < mapping.source.length; g++) {
          const f = mapping.source[g]!;
          const s = f < 0 ? 0 : bounds[at + f]!;
          const e = f < 0 ? 0 : bounds[at + f + 1]! - 1;
          if (e > s) w.strBytes(buf, s, e);
          else w.u32(NULL_LENGTH);
        }
        byServer.end();
        // fnv1a of the uuid string: over its bytes when they are ASCII, where the two agree.
        const uuidBucket = (batch.ascii ? fnv1aBytes(buf, uuidStart, uuidEnd) : fnv1a(buf.toString('utf8', uuidStart, uuidEnd))) % UUID_BUCKETS;
        writeUuidRecord(byUuid.begin(uuidBucket), rowNumber, bucket, buf, uuidStart, uuidEnd);
        byUuid.end();
      }
    };
    for await (const batch of readInput(config.path_to_input, {
      format: config.input.format,
      header: config.downloader_parameters.header !== false,
      columnMap: config.input.column_map,
      scratchDir: layout.initScratch,
      onProgress: (f) => progress.update(f, inputRows),
    })) {
      if (!Array.isArray(batch)) {
        acceptTsv(batch);
        continue;
      }
      for (const row of batch) {
        inputRows++;
        if (row.kind === 'bad') rejected.add(row.rowNumber, row.reason, null, null, null, row.raw);
        else accept(row.rowNumber, row.columns, row.values);
      }
    }
    byServer.flush();
    byUuid.flush();
    progress.done(inputRows);

    // Pass 2: duplicate uuids, uuid buckets checked on the workers: the first row keeps its uuid,
    // later ones are rejected when their server bucket is read back.
    const dedupe = ctx.progress('initialize: duplicate check', 'buckets');
    const duplicates: number[][] = Array.from({ length: serverBuckets }, () => []);
    const checks: Promise<Float64Array>[] = [];
    for (let b = 0; b < UUID_BUCKETS; b += UUID_BUCKETS_PER_TASK) {
      const files: string[] = [];
      for (let k = b; k < Math.min(UUID_BUCKETS, b + UUID_BUCKETS_PER_TASK); k++) {
        const file = byUuid.fileOf(k);
        if (file !== null) files.push(file);
      }
      if (files.length) checks.push(workers.dedupe(files));
    }
    let checked = 0;
    for (const found of await Promise.all(checks)) {
      for (let i = 0; i < found.length; i += 3) duplicates[found[i + 2]!]!.push(found[i]!, found[i + 1]!);
      dedupe.update(++checked / checks.length, checked * UUID_BUCKETS_PER_TASK);
    }
    for (let b = 0; b < UUID_BUCKETS; b++) byUuid.discard(b);
    dedupe.done(UUID_BUCKETS);

    // Pass 3: server buckets on the workers. A big server's batches are written as they fill (in input
    // order); small servers come back and are packed whole into shared batches here, bucket by bucket
    // in name order. Decided from the pass-1 counts, so removing duplicates cannot move a server
    // between the two.
    const bucketServers: number[][] = Array.from({ length: serverBuckets }, () => []);
    for (let id = 0; id < servers.names.length; id++) bucketServers[servers.buckets[id]!]!.push(id);
    const partitions: [string, number, number][] = [];
    const serverIndex: [string, string, number, number, number][] = [];
    const maxInFlight = BATCHES_IN_FLIGHT_PER_WORKER * Math.max(1, workers.size);
    const writing = new Set<Promise<void>>();
    let failure: unknown = null;
    /** Hands one packed batch (its servers' framed records, in order) to the workers; waits while too many are in flight. */
    const writePacked = async (partitionId: number, records: Uint8Array[], rows: number, ids: number[]) => {
      partitions.push([SMALL_SERVERS, partitionId, rows]);
      let bytes = 0;
      for (const r of records) bytes += r.length;
      // A buffer of its own, so it can be moved to the worker rather than copied.
      const joined = new Uint8Array(bytes);
      let at = 0;
      for (const r of records) {
        joined.set(r, at);
        at += r.length;
      }
      const done: Promise<void> = workers
        .writeBatch({
          file: layout.urlsBatch(SMALL_SERVERS, partitionId, layout.urlsStaging),
          columns: columns.names,
          servers: ids.map((id): [number, string] => [id, servers.names[id]!]),
          records: joined,
          rows,
        })
        .then(
          () => void writing.delete(done),
          (err: unknown) => {
            writing.delete(done);
            failure ??= err;
          },
        );
      writing.add(done);
      if (writing.size >= maxInFlight) await Promise.race(writing);
      if (failure) throw failure;
    };

    const startBucket = (b: number): Promise<ServerBucketResult> => {
      const ids = bucketServers[b]!;
      const task = workers.serverBucket({
        file: byServer.fileOf(b),
        staging: layout.urlsStaging,
        columns: columns.names,
        batchSize,
        serverIds: ids,
        serverNames: ids.map((id) => servers.names[id]!),
        small: Uint8Array.from(ids, (id) => (servers.rows[id]! < smallLimit ? 1 : 0)),
        duplicates: Float64Array.from(duplicates[b]!),
      });
      duplicates[b] = [];
      // Awaited in bucket order; a failure meanwhile must not count as unhandled.
      task.catch(() => undefined);
      return task;
    };

    const progressWrite = ctx.progress('initialize: writing batches', 'buckets');
    const started: Promise<ServerBucketResult>[] = [];
    let packed: Uint8Array[] = [];
    let packedRows = 0;
    let packedServers: number[] = [];
    let smallPartition = 0;
    let smallServers = 0;
    for (let b = 0; b < serverBuckets; b++) {
      while (started.length < Math.min(serverBuckets, b + workers.size + EXTRA_BUCKETS_IN_FLIGHT)) started.push(startBucket(started.length));
      const result = await started[b]!;
      delete started[b];
      byServer.discard(b);
      for (const row of result.rejected) rejected.add(...row);
      for (const p of result.partitions) partitions.push(p);
      for (const [server, count, rows] of result.bigServers) serverIndex.push([server, server, 0, count, rows]);
      // Small servers: whole servers packed into shared batches, never split across two. A bucket's
      // servers' records are back to back, so a batch takes one run of them per bucket.
      let from = 0;
      let to = 0;
      for (let i = 0; i < result.smallIds.length; i++) {
        const id = result.smallIds[i]!;
        const rows = result.smallRows[i]!;
        if (packedRows + rows > batchSize) {
          if (to > from) packed.push(result.smallRecords.subarray(from, to));
          from = to;
          await writePacked(smallPartition++, packed, packedRows, packedServers);
          packed = [];
          packedRows = 0;
          packedServers = [];
        }
        to += result.smallBytes[i]!;
        packedRows += rows;
        packedServers.push(id);
        serverIndex.push([servers.names[id]!, SMALL_SERVERS, smallPartition, 1, rows]);
        smallServers++;
      }
      if (to > from) packed.push(result.smallRecords.subarray(from, to));
      progressWrite.update((b + 1) / serverBuckets, b + 1);
    }
    if (packed.length) await writePacked(smallPartition++, packed, packedRows, packedServers);
    const rejectedTmp = path.join(layout.initScratch, 'rejected.parquet');
    const rejectedFile = workers.rejectedFile(rejected.finish(), rejectedTmp);
    await Promise.all([...writing, rejectedFile]);
    if (failure) throw failure;
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
  } finally {
    await workers.close();
  }
}
