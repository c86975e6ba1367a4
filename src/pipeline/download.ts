/**
 * The download stage of one rank: its scheduled batches go through the engine (per-host queues
 * under the controller's shares) and image processing into batch outputs. Every epoch the engine's
 * per-host statistics go to the epoch synchronizer and the shares it returns go back to the engine;
 * under MPI the synchronizer's allreduce is the only thing that changes.
 */
import type { LoadedConfig } from '../config/index.js';
import { Controller, type HostDecision, type HostEpochStats, type HostShare } from '../controller/index.js';
import { Dispatcher, EngineError, ERROR_TABLE, Fetcher, ImageProcessor, type ItemResult } from '../engine/index.js';
import { exists, writeFileAtomic } from '../io/atomic.js';
import { parquetRowCount, readParquetFile } from '../io/parquet.js';
import type { Communicator } from '../mpi/communicator.js';
import { EpochSync } from '../mpi/epoch-sync.js';
import { inLockstep } from '../mpi/gate.js';
import type { DownloadMetrics } from '../metrics/index.js';
import { TimeGuard } from '../slurm/time-guard.js';
import { BatchOutput, clearPartialBatch, ERRORS_FILE, SUCCESSES_FILE } from './batch-output.js';
import { SuccessesWriterThread } from './successes-sink.js';
import type { StageContext } from './context.js';
import { SMALL_SERVERS, type Layout } from './layout.js';
import { readIgnored, readProfiles } from './profile.js';
import { controllerOptionsOf, engineOptionsOf, imageOptionsOf } from './runtime-options.js';
import { readSchedule, type Assignment } from './schedule.js';
import { isTransient } from './verify.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Rows of an ignored server found in a packed batch: recorded as errors, never requested. */
export const IGNORED_SERVER = { code: -20, errorClass: 'ignored_server', meaning: 'server listed in ignored.csv' } as const;

/** What one epoch looked like on this rank, for benchmarks and reports. */
export interface EpochObservation {
  /** The epoch time all ranks agreed on (ms since the Unix epoch). */
  nowMs: number;
  /** This rank's statistics of the epoch that just ended, per host. */
  stats: ReadonlyMap<string, HostEpochStats>;
  /** This rank's shares for the next epoch, per host. */
  shares: ReadonlyMap<string, HostShare>;
  /** The global decisions behind the shares. */
  decisions: ReadonlyMap<string, HostDecision>;
}

export interface DownloadSummary {
  batches: number;
  successes: number;
  errors: number;
  errorsByClass: Record<string, number>;
  seconds: number;
  /** Hosts that were blocked (Retry-After or circuit breaker) at some epoch end. */
  blockedHosts: number;
  /**
   * The end of the Slurm job came near and every rank stopped taking batches at the same epoch:
   * the round is not finished. Absent when no time limit cut the download short.
   */
  timeLimited?: boolean;
}

/** Every error class a download records, in one order on every rank, so summaries add up across ranks. */
const ERROR_CLASSES = [...new Set([...ERROR_TABLE.map((e) => e.error_class), IGNORED_SERVER.errorClass])];

/** Numbers in a summary's fixed encoding (see summaryTotals). */
export const SUMMARY_WIDTH = 4 + ERROR_CLASSES.length;

/** A rank's summary as SUMMARY_WIDTH numbers, to be summed over ranks. */
export function summaryTotals(s: DownloadSummary): number[] {
  return [s.batches, s.successes, s.errors, s.blockedHosts, ...ERROR_CLASSES.map((c) => s.errorsByClass[c] ?? 0)];
}

/** The job's summary from the summed totals of all ranks; they finish together, so `seconds` is any rank's. */
export function summaryFromTotals(totals: readonly number[], seconds: number): DownloadSummary {
  const errorsByClass: Record<string, number> = {};
  ERROR_CLASSES.forEach((c, i) => {
    const n = totals[4 + i] ?? 0;
    if (n > 0) errorsByClass[c] = n;
  });
  const [batches = 0, successes = 0, errors = 0, blockedHosts = 0] = totals;
  return { batches, successes, errors, errorsByClass, seconds, blockedHosts };
}

interface UrlRow {
  uuid: string;
  identifier: string;
  source_id: string | null;
  license: string | null;
  source: string | null;
  title: string | null;
  server_name: string;
}

interface OpenBatch {
  assignment: Assignment;
  /** `retry`: a completed batch whose transient errors are tried again, its earlier output carried over. */
  mode: 'full' | 'retry';
  output: BatchOutput;
  outstanding: number;
}

interface Payload {
  batch: OpenBatch;
  row: UrlRow;
  /** Attempts made in earlier rounds (a retried error row's retry_count + 1). */
  earlierAttempts: number;
}

async function readUrlRows(file: string): Promise<UrlRow[]> {
  const table = await readParquetFile(file);
  return table.toArray().map((r: Record<string, unknown>) => ({
    uuid: String(r.uuid),
    identifier: String(r.identifier),
    source_id: (r.source_id as string | null) ?? null,
    license: (r.license as string | null) ?? null,
    source: (r.source as string | null) ?? null,
    title: (r.title as string | null) ?? null,
    server_name: String(r.server_name),
  }));
}

/**
 * Hosts that more than one rank works on this round, with those ranks in order: only these need
 * the allreduce. (A packed `_small` batch holds whole servers, so its hosts are never shared.)
 */
export function sharedHosts(all: readonly Assignment[]): Map<string, number[]> {
  const ranks = new Map<string, Set<number>>();
  for (const a of all) {
    if (a.server_name === SMALL_SERVERS) continue;
    let set = ranks.get(a.server_name);
    if (!set) ranks.set(a.server_name, (set = new Set()));
    set.add(a.rank);
  }
  const shared = [...ranks].filter(([, set]) => set.size > 1).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(shared.map(([host, set]) => [host, [...set].sort((x, y) => x - y)]));
}

/**
 * Leaves a batch cut off by the time limit as if it had not been opened: its temporary files go, and
 * a retried batch, whose earlier output is still untouched, gets its marker back. Either way the
 * next run downloads what it lacked.
 */
async function abandonBatch(layout: Layout, batch: OpenBatch): Promise<void> {
  const dir = batch.output.dir;
  await clearPartialBatch(dir);
  if (batch.mode !== 'retry') return;
  const [successes, errors] = await Promise.all([SUCCESSES_FILE, ERRORS_FILE].map((f) => parquetRowCount(path.join(dir, f))));
  const { server_name, partition_id } = batch.assignment;
  await writeFileAtomic(layout.completedMarker(server_name, partition_id), JSON.stringify({ successes, errors }) + '\n', true);
}

export async function download(
  config: LoadedConfig,
  ctx: StageContext,
  round: number,
  comm: Communicator,
  onEpoch?: (observation: EpochObservation) => void,
  metrics?: DownloadMetrics,
): Promise<DownloadSummary> {
  const { layout, log } = ctx;
  const started = Date.now();
  const schedule = await readSchedule(layout, round);
  // A batch with its `completed` marker is done, unless scheduled to retry its transient errors; one
  // without (never finished, or a retry cut off half-way) is downloaded whole.
  const mine: (Assignment & { mode: 'full' | 'retry' })[] = [];
  for (const a of schedule) {
    if (a.rank !== comm.rank) continue;
    const completed = await exists(layout.completedMarker(a.server_name, a.partition_id));
    if (!completed) mine.push({ ...a, mode: 'full' });
    else if (a.retry) mine.push({ ...a, mode: 'retry' });
  }
  const [profiles, ignored] = await Promise.all([readProfiles(layout.profiles), readIgnored(layout.ignored)]);
  const controller = new Controller(controllerOptionsOf(config));
  const rateOf = (host: string) => profiles.get(host) ?? config.downloader_parameters.default_rate_limit;
  // Shared hosts are seeded alike on every rank before the first epoch, so all start from one state.
  // Without synchronization (a comparison only) every rank treats every host as its own.
  const shared = config.mpi.synchronize ? sharedHosts(schedule) : new Map<string, number[]>();
  for (const host of shared.keys()) controller.seed(host, rateOf(host));
  const seeded = new Set<string>(shared.keys());
  const sync = new EpochSync(comm, controller, {
    sharedHosts: shared,
    demandCap: config.download.demand_cap,
    timeoutMs: config.mpi.timeout_s * 1000,
  });
  const images = new ImageProcessor(imageOptionsOf(config));
  const fetcher = new Fetcher(engineOptionsOf(config));
  const successesThread = new SuccessesWriterThread();
  const summary: DownloadSummary = { batches: 0, successes: 0, errors: 0, errorsByClass: {}, seconds: 0, blockedHosts: 0 };
  const totalRows = mine.reduce((n, a) => n + a.rows, 0);
  metrics?.roundStarted(round, mine.length);
  const progress = ctx.progress(`download round ${round}`, 'images');
  const blocked = new Set<string>();
  let activeHosts = 0;
  let blockedNow = 0;
  let doneRows = 0;
  let next = 0;
  let openCount = 0;
  let failure: unknown = null;
  // Near the end of a Slurm job: first no new batches, then the open ones are abandoned.
  const guard = TimeGuard.fromEnvironment(config.slurm);
  const open = new Set<OpenBatch>();
  let stopTaking = false;
  let abandoning = false;

  const recordError = (batch: OpenBatch, row: UrlRow, code: number, errorClass: string, msg: string, retries: number) => {
    batch.output.addError({ uuid: row.uuid, identifier: row.identifier, retry_count: retries, error_code: code, error_msg: msg, error_class: errorClass, server_name: row.server_name });
    summary.errors++;
    summary.errorsByClass[errorClass] = (summary.errorsByClass[errorClass] ?? 0) + 1;
    metrics?.errorRecorded(errorClass);
  };

  /** One more of the batch's rows is done (`row` false: the batch's own placeholder count, see openMore). */
  const settle = async (batch: OpenBatch, row = true) => {
    if (row) doneRows++;
    progress.update(
      totalRows ? doneRows / totalRows : 1,
      summary.successes,
      `${doneRows}/${totalRows} rows, ${summary.errors} errors, ${activeHosts} hosts active, ${blockedNow} blocked`,
    );
    if (--batch.outstanding > 0 || abandoning) return;
    await batch.output.finish();
    open.delete(batch);
    summary.batches++;
    metrics?.batchCompleted();
    openCount--;
    log.info({ server_name: batch.assignment.server_name, partition_id: batch.assignment.partition_id, successes: batch.output.successCount, errors: batch.output.errorCount }, 'batch completed');
    await openMore();
  };

  const onResult = async (result: ItemResult<Payload>) => {
    // What arrives once the open batches are abandoned (mostly their cancelled requests) is dropped with them.
    if (abandoning) return;
    const { batch, row, earlierAttempts } = result.item.payload;
    const retries = earlierAttempts + result.retryCount;
    metrics?.itemFinished(row.server_name, result.ok ? result.body.length : 0, result.retryCount);
    if (!result.ok) {
      recordError(batch, row, result.error.code, result.error.errorClass, result.error.message, retries);
    } else {
      try {
        const img = await images.process(result.body, { url: row.identifier, host: row.server_name });
        batch.output.addSuccess({
          uuid: row.uuid, source_id: row.source_id, identifier: row.identifier, license: row.license, source: row.source, title: row.title,
          original_size: img.originalSize,
          resized_size: img.resizedSize,
          hashsum_original: img.hashsumOriginal, hashsum_resized: img.hashsumResized, image: img.image, server_name: row.server_name,
        });
        summary.successes++;
        metrics?.imageStored();
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        recordError(batch, row, err.code, err.errorClass, err.message, retries);
      }
    }
    await settle(batch);
  };

  const dispatcher = new Dispatcher<Payload>({
    engine: engineOptionsOf(config),
    fetcher,
    initialShare: (host): HostShare => {
      if (!seeded.has(host)) {
        seeded.add(host);
        controller.seed(host, rateOf(host));
      }
      return sync.share(host, Date.now());
    },
    onResult,
  });

  async function openMore(): Promise<void> {
    while (!stopTaking && openCount < config.download.open_batches && next < mine.length) {
      const assignment = mine[next++]!;
      const dir = layout.imagesBatchDir(assignment.server_name, assignment.partition_id);
      await clearPartialBatch(dir);
      const output = new BatchOutput(dir, { sink: successesThread });
      let rows = await readUrlRows(layout.urlsBatch(assignment.server_name, assignment.partition_id));
      const earlier = new Map<string, number>();
      if (assignment.mode === 'retry') {
        const retried = await output.carryOver((e) => !isTransient(e.error_class));
        for (const e of retried) earlier.set(e.uuid, e.retry_count + 1);
        rows = rows.filter((r) => earlier.has(r.uuid));
        await fs.rm(layout.completedMarker(assignment.server_name, assignment.partition_id));
      }
      const batch: OpenBatch = { assignment, mode: assignment.mode, output, outstanding: rows.length + 1 };
      openCount++;
      open.add(batch);
      // Abandoned while it was being opened: the dispatcher takes no more work.
      if (abandoning) return;
      for (const row of rows) {
        if (ignored.has(row.server_name)) {
          recordError(batch, row, IGNORED_SERVER.code, IGNORED_SERVER.errorClass, IGNORED_SERVER.meaning, 0);
          batch.outstanding--;
          doneRows++;
          continue;
        }
        const payload = { batch, row, earlierAttempts: earlier.get(row.uuid) ?? 0 };
        dispatcher.enqueue({ id: row.uuid, url: row.identifier, hostKey: row.server_name, payload });
      }
      // The extra count keeps an all-ignored (or empty) batch from finishing before it is filled.
      await settle(batch, false);
    }
  }

  // The epoch loop: measure → synchronize → decide → apply, until every rank is done.
  const epochMs = config.controller.epoch_ms;
  let localDone = false;
  const drained = (async () => {
    await openMore();
    await dispatcher.drain();
  })().then(
    () => void (localDone = true),
    (err: unknown) => {
      failure = err;
      localDone = true;
    },
  );
  try {
    // Every rank must take part in every exchange: one that fails in here cannot simply leave.
    await inLockstep(comm, async () => {
      for (;;) {
        await Promise.race([drained, new Promise((r) => setTimeout(r, epochMs))]);
        const now = Date.now();
        const done = localDone && (next >= mine.length || stopTaking);
        const stats = dispatcher.takeEpochStats(now);
        const { shares, decisions, allDone, nowMs } = await sync.epoch(now, stats, done);
        dispatcher.applyShares(shares);
        onEpoch?.({ nowMs, stats, shares, decisions });
        metrics?.epoch({ nowMs, stats, shares, decisions });
        // Decided on the clock all ranks agreed on, so all of them stop (and abandon) at the same epoch.
        const phase = guard.phase(nowMs);
        if (phase !== 'run' && !stopTaking) {
          stopTaking = true;
          log.info({ job_end: new Date(guard.endMs!).toISOString(), open: open.size, left: mine.length - next }, 'Slurm job ends soon: no new batches');
        }
        if (phase === 'abandon' && !abandoning) {
          abandoning = true;
          log.warn({ open: open.size }, 'Slurm job ends soon: abandoning the open batches');
          // Its failures, if any, surface through `drained`.
          dispatcher.stop().catch(() => undefined);
        }
        activeHosts = stats.size;
        blockedNow = 0;
        for (const [host, share] of shares) {
          if (share.blockedUntil <= nowMs) continue;
          blocked.add(host);
          blockedNow++;
        }
        if (allDone) break;
      }
    });
    await drained;
    if (abandoning) for (const batch of open) await abandonBatch(layout, batch);
  } finally {
    await successesThread.shutdown();
  }
  metrics?.roundFinished();
  if (failure !== null) throw failure;
  progress.done(summary.successes);
  summary.seconds = (Date.now() - started) / 1000;
  summary.blockedHosts = blocked.size;
  if (stopTaking) summary.timeLimited = true;
  log.info(summary, 'download finished');
  await fetcher.close();
  return summary;
}

