/**
 * The pipeline: initialize → profile → then rounds of schedule → download → verify.
 * Each finished stage is recorded in checkpoint.json, so re-running the same command continues
 * where the last run stopped; a stage cut off half-way is redone from its start.
 * On several ranks (mpirun/srun) only the download runs everywhere: the other stages run on rank 0
 * while the rest wait, and every rank then continues from the checkpoint rank 0 wrote.
 */
import { promises as fs } from 'node:fs';
import type { LoadedConfig } from '../config/index.js';
import { exists } from '../io/atomic.js';
import { readCheckpoint, writeCheckpoint, EMPTY_CHECKPOINT, type Checkpoint } from './checkpoint.js';
import type { StageContext } from './context.js';
import { UsageError } from './errors.js';
import { initialize, type InitializeSummary } from './initialize.js';
import { Layout, type Stage } from './layout.js';
import { stageLogger } from './logging.js';
import { profile, type ProfileSummary } from './profile.js';
import { ProgressReporter, type ProgressOptions } from './progress.js';
import { schedule, type ScheduleSummary } from './schedule.js';
import { download, summaryFromTotals, summaryTotals, SUMMARY_WIDTH, type DownloadSummary, type EpochObservation } from './download.js';
import { scanOutputs, verify, type VerifySummary } from './verify.js';
import { SingleProcessCommunicator, type Communicator } from '../mpi/communicator.js';
import { onEveryRank, onRankZero } from '../mpi/gate.js';
import { startMetrics, type RankMetrics } from '../metrics/index.js';

export interface RunOptions {
  /** Redo everything from initialization (the Python tool's --reset_batched). Default false. */
  resetBatched?: boolean;
  /** Redo profiling and scheduling (the Python tool's --reset_profiled). Default false. */
  resetProfiled?: boolean;
  /** Allow a reset to delete downloaded images. Default false: such a reset is refused. */
  force?: boolean;
  /** Stop once this stage is done (e.g. 'schedule' to inspect the batches before downloading). Default: run all. */
  stopAfter?: 'initialize' | 'profile' | 'schedule';
  /** Run one more round for transient errors after the automatic ones (`--retry-errors`). Default false. */
  retryErrors?: boolean;
  /** Called once per download epoch (benchmarks record limits and in-flight with it). Default none. */
  onEpoch?: (observation: EpochObservation) => void;
  /** The ranks of this run. Default: a single process. Only rank 0 says anything and shows progress. */
  comm?: Communicator;
  /** Ranks the schedule is made for. Default: this run's (a Slurm schedule job makes it for the download jobs' ranks). */
  scheduleRanks?: number;
  /** Progress display settings. Default: live on a TTY, plain lines otherwise. */
  progress?: ProgressOptions;
  /** Human-readable status lines. Default: printed to stdout. */
  say?: (line: string) => void;
}

export interface RunResult {
  initialize?: InitializeSummary;
  profile?: ProfileSummary;
  schedule?: ScheduleSummary;
  downloads: DownloadSummary[];
  verify?: VerifySummary;
  checkpoint: Checkpoint;
}

/** Batches that already hold downloaded images (a `completed` marker or any output file). */
async function downloadedBatches(layout: Layout): Promise<number> {
  if (!(await exists(layout.images))) return 0;
  let n = 0;
  for (const entry of await fs.readdir(layout.images, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'completed') n++;
  }
  return n;
}

/** Applies --reset-batched / --reset-profiled; the Slurm executor does so before it queues the jobs. */
export async function applyResets(layout: Layout, checkpoint: Checkpoint, opts: RunOptions, say: (l: string) => void): Promise<Checkpoint> {
  if (opts.resetBatched) {
    const downloaded = await downloadedBatches(layout);
    const hasImages = (await exists(layout.images)) && (await fs.readdir(layout.images)).length > 0;
    if (hasImages && !opts.force) {
      throw new UsageError(
        `--reset-batched re-partitions the input, which would make the ${downloaded} downloaded batches in ` +
          `${layout.images} unusable; add --force to delete them and start over, or use --reset-profiled`,
      );
    }
    if (hasImages) {
      await fs.rm(layout.images, { recursive: true, force: true });
      say(`deleted ${downloaded} downloaded batches (--force)`);
    }
    for (const p of [layout.urls, layout.rejected, layout.profiles, layout.schedules, layout.summary]) {
      await fs.rm(p, { recursive: true, force: true });
    }
    return { ...EMPTY_CHECKPOINT };
  }
  if (opts.resetProfiled) {
    await fs.rm(layout.profiles, { force: true });
    return { ...checkpoint, profiled: false, scheduled_round: null, scheduled_ranks: null };
  }
  return checkpoint;
}

export async function runPipeline(config: LoadedConfig, opts: RunOptions = {}): Promise<RunResult> {
  const comm = opts.comm ?? new SingleProcessCommunicator();
  // Up for the whole run (not only downloads), so that a rank's memory and event loop show throughout.
  const metrics = await startMetrics(config, new Layout(config), comm.rank);
  try {
    return await runStages(config, { ...opts, comm }, metrics);
  } finally {
    await metrics?.close();
  }
}

async function runStages(config: LoadedConfig, opts: RunOptions & { comm: Communicator }, metrics: RankMetrics | null): Promise<RunResult> {
  const layout = new Layout(config);
  const comm = opts.comm;
  const ranks = comm.size;
  const scheduleRanks = opts.scheduleRanks ?? ranks;
  const rank = comm.rank;
  // Rank 0 speaks for the job; the other ranks would only repeat it.
  const quiet = rank !== 0;
  const say = quiet ? () => undefined : (opts.say ?? ((l: string) => console.log(l)));
  const reporter = new ProgressReporter(quiet ? { ...opts.progress, live: false, write: () => undefined } : opts.progress);
  const level = config.downloader_parameters.logger_level;
  const stageWait = { timeoutMs: config.mpi.stage_timeout_s * 1000, what: 'stages on rank 0' };
  const roundWait = { timeoutMs: config.mpi.timeout_s * 1000, what: 'download round' };

  let checkpoint: Checkpoint = { ...EMPTY_CHECKPOINT };
  /** Runs `fn` on rank 0 while the others wait, then they take up the checkpoint it left. */
  const once = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    const value = await onRankZero(comm, fn, stageWait);
    if (quiet) checkpoint = await readCheckpoint(layout.checkpoint);
    return value;
  };
  await once(async () => {
    await fs.mkdir(layout.root, { recursive: true });
    checkpoint = await applyResets(layout, await readCheckpoint(layout.checkpoint), opts, say);
    await writeCheckpoint(layout.checkpoint, checkpoint);
  });
  const result: RunResult = { checkpoint, downloads: [] };
  const context = (stage: Stage): StageContext => ({
    layout,
    log: stageLogger(layout, stage, checkpoint.round, rank, level),
    progress: (label, unit) => reporter.start(label, unit),
  });
  const mark = async (next: Checkpoint) => {
    checkpoint = next;
    await writeCheckpoint(layout.checkpoint, checkpoint);
  };

  await once(async () => {
    if (!checkpoint.batched) {
      const ctx = context('initialize');
      ctx.log.info({ input: config.path_to_input }, 'initialization started');
      const s = await initialize(config, ctx);
      ctx.log.info(s, 'initialization finished');
      say(
        `initialize: ${s.inputRows} rows read, ${s.acceptedRows} accepted, ${s.rejectedRows} rejected ` +
          `(${layout.rejected}); ${s.servers} servers (${s.smallServers} packed under _small) in ${s.partitions} batches`,
      );
      result.initialize = s;
      await mark({ ...checkpoint, batched: true, profiled: false, scheduled_round: null, scheduled_ranks: null });
    } else {
      say('initialize: already done (use --reset-batched to redo)');
    }
    if (opts.stopAfter === 'initialize') return;

    if (!checkpoint.profiled) {
      const s = await profile(config, context('profile'));
      say(`profile: ${s.servers} servers in ${layout.profiles}` + (s.ignored.length ? `, ${s.ignored.length} ignored` : ''));
      if (s.ignoredUnknown.length) say(`profile: warning: ${s.ignoredUnknown.length} servers in ${layout.ignored} have no URLs`);
      result.profile = s;
      await mark({ ...checkpoint, profiled: true, scheduled_round: null, scheduled_ranks: null });
    } else {
      say('profile: already done (use --reset-profiled to redo)');
    }
    if (opts.stopAfter === 'profile') return;

    if (checkpoint.finished && opts.retryErrors && (checkpoint.verified?.transient ?? 0) > 0) {
      say(`--retry-errors: retrying ${checkpoint.verified!.transient} transient errors in round ${checkpoint.round + 1}`);
      await mark({ ...checkpoint, finished: false, round: checkpoint.round + 1 });
    }
  });
  if (opts.stopAfter === 'initialize' || opts.stopAfter === 'profile') return { ...result, checkpoint };

  const maxRounds = config.download.max_rounds;
  const roundLimit = opts.retryErrors ? Math.max(maxRounds, checkpoint.round + 1) : maxRounds;

  while (!checkpoint.finished) {
    const round = checkpoint.round;
    await once(async () => {
      if (checkpoint.scheduled_round !== round || checkpoint.scheduled_ranks !== scheduleRanks) {
        const ctx = context('schedule');
        const retry = round > 0 ? (await scanOutputs(layout)).retry : new Map<string, number>();
        const s = await schedule(config, ctx, round, scheduleRanks, retry);
        say(
          `schedule: round ${s.round}: ${s.partitions} batches (${s.rows} URLs) over ${s.ranks} ranks; ` +
            `${s.completed} already completed` + (s.retries ? `, ${s.retries} retried for transient errors` : ''),
        );
        result.schedule = s;
        await mark({ ...checkpoint, scheduled_round: round, scheduled_ranks: scheduleRanks });
      } else {
        say(`schedule: round ${round} already scheduled`);
      }
    });
    if (opts.stopAfter === 'schedule') return { ...result, checkpoint };

    if (checkpoint.downloaded_round !== round) {
      const { value: mine, totals } = await onEveryRank(
        comm,
        () => download(config, context('download'), round, comm, opts.onEpoch, metrics?.download),
        summaryTotals,
        SUMMARY_WIDTH,
        roundWait,
      );
      const d = summaryFromTotals(totals, mine.seconds);
      result.downloads.push(d);
      say(
        `download: round ${round}: ${d.batches} batches, ${d.successes} images, ${d.errors} errors in ${d.seconds.toFixed(1)} s` +
          (ranks > 1 ? ` on ${ranks} ranks` : ''),
      );
      // Every rank stopped at the same epoch (see download.ts), so all leave the loop here together.
      if (mine.timeLimited) {
        say(`download: round ${round}: stopped before the end of the Slurm job; the next job (or a re-run) continues it`);
        break;
      }
    }

    await once(async () => {
      if (checkpoint.downloaded_round !== round) await mark({ ...checkpoint, downloaded_round: round });
      const v = await verify(config, context('verify'), round, result.downloads.at(-1));
      result.verify = v;
      say(
        `verify: round ${round}: ${v.batches.completed}/${v.batches.total} batches; ${v.rows.successes} images, ` +
          `${v.rows.errors} errors (${v.transient_errors} transient), ${v.rows.rejected} rejected → ${layout.summary}`,
      );
      const previous = checkpoint.verified;
      const unchanged = previous !== null && previous.completed === v.batches.completed && previous.transient === v.transient_errors;
      const work = v.batches.remaining > 0 || v.transient_errors > 0;
      const verified = { round, completed: v.batches.completed, transient: v.transient_errors };
      if (!work || round + 1 >= roundLimit) {
        await mark({ ...checkpoint, verified, finished: true });
        if (v.batches.remaining > 0) say(`verify: ${v.batches.remaining} batches are not finished; re-run to continue`);
        else if (v.transient_errors > 0) say(`verify: ${v.transient_errors} transient errors left; re-run with --retry-errors to try them again`);
        return;
      }
      if (unchanged && !config.suppress_unchanged_error) {
        await mark({ ...checkpoint, verified, finished: true });
        throw new UsageError(
          `round ${round} made no progress (${v.batches.remaining} batches left, ${v.transient_errors} transient errors); ` +
            'stopping instead of looping. Set suppress_unchanged_error: true to continue regardless',
        );
      }
      await mark({ ...checkpoint, verified, round: round + 1 });
    });
  }

  result.checkpoint = checkpoint;
  return result;
}
