/**
 * The pipeline: initialize → profile → schedule (→ download → verify, added by later stages).
 * Each finished stage is recorded in checkpoint.json, so re-running the same command continues
 * where the last run stopped; a stage cut off half-way is redone from its start.
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

export interface RunOptions {
  /** Redo everything from initialization (the Python tool's --reset_batched). Default false. */
  resetBatched?: boolean;
  /** Redo profiling and scheduling (the Python tool's --reset_profiled). Default false. */
  resetProfiled?: boolean;
  /** Allow a reset to delete downloaded images. Default false: such a reset is refused. */
  force?: boolean;
  /** Number of download ranks to schedule for. Default 1 (one process). */
  ranks?: number;
  /** This process's rank, for log file names. Default 0. */
  rank?: number;
  /** Progress display settings. Default: live on a TTY, plain lines otherwise. */
  progress?: ProgressOptions;
  /** Human-readable status lines. Default: printed to stdout. */
  say?: (line: string) => void;
}

export interface RunResult {
  initialize?: InitializeSummary;
  profile?: ProfileSummary;
  schedule?: ScheduleSummary;
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

async function applyResets(layout: Layout, checkpoint: Checkpoint, opts: RunOptions, say: (l: string) => void): Promise<Checkpoint> {
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
  const layout = new Layout(config);
  const say = opts.say ?? ((l: string) => console.log(l));
  const ranks = opts.ranks ?? 1;
  const rank = opts.rank ?? 0;
  const reporter = new ProgressReporter(opts.progress);
  const level = config.downloader_parameters.logger_level;
  await fs.mkdir(layout.root, { recursive: true });

  let checkpoint = await applyResets(layout, await readCheckpoint(layout.checkpoint), opts, say);
  await writeCheckpoint(layout.checkpoint, checkpoint);
  const result: RunResult = { checkpoint };
  const context = (stage: Stage): StageContext => ({
    layout,
    log: stageLogger(layout, stage, checkpoint.round, rank, level),
    progress: (label, unit) => reporter.start(label, unit),
  });
  const mark = async (next: Checkpoint) => {
    checkpoint = next;
    await writeCheckpoint(layout.checkpoint, checkpoint);
  };

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

  if (!checkpoint.profiled) {
    const s = await profile(config, context('profile'));
    say(`profile: ${s.servers} servers in ${layout.profiles}` + (s.ignored.length ? `, ${s.ignored.length} ignored` : ''));
    if (s.ignoredUnknown.length) say(`profile: warning: ${s.ignoredUnknown.length} servers in ${layout.ignored} have no URLs`);
    result.profile = s;
    await mark({ ...checkpoint, profiled: true, scheduled_round: null, scheduled_ranks: null });
  } else {
    say('profile: already done (use --reset-profiled to redo)');
  }

  if (checkpoint.scheduled_round !== checkpoint.round || checkpoint.scheduled_ranks !== ranks) {
    const s = await schedule(config, context('schedule'), checkpoint.round, ranks);
    say(`schedule: round ${s.round}: ${s.partitions} batches (${s.rows} URLs) over ${s.ranks} ranks; ${s.completed} already completed`);
    result.schedule = s;
    await mark({ ...checkpoint, scheduled_round: checkpoint.round, scheduled_ranks: ranks });
  } else {
    say(`schedule: round ${checkpoint.round} already scheduled`);
  }

  result.checkpoint = checkpoint;
  return result;
}
