/**
 * One stage of the pipeline on its own: what each Slurm job runs (`--stage <name>`). A stage whose
 * predecessor is not done is refused with the reason, instead of redoing the predecessor inside a
 * job sized and timed for something else. The checkpoint means the same as in a local run: the
 * download stage runs the rounds exactly as a local run does (scheduling, downloading, verifying,
 * retry rounds), only cut short by the job's time limit, so the next job continues the same round.
 */
import { promises as fs } from 'node:fs';
import type { LoadedConfig } from '../config/index.js';
import type { Communicator } from '../mpi/communicator.js';
import { readCheckpoint, type Checkpoint } from '../pipeline/checkpoint.js';
import { UsageError } from '../pipeline/errors.js';
import { Layout } from '../pipeline/layout.js';
import { stageLogger } from '../pipeline/logging.js';
import { ProgressReporter } from '../pipeline/progress.js';
import { runPipeline } from '../pipeline/run.js';
import { verify } from '../pipeline/verify.js';

export const JOB_STAGES = ['initialize', 'profile', 'schedule', 'download', 'verify'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export interface StageOptions {
  comm: Communicator;
  /** Ranks the schedule is made for (`--stage schedule`): those of the download jobs. Default: this run's. */
  ranks?: number;
  /** Status lines. Default: printed to stdout (by rank 0 only). */
  say?: (line: string) => void;
}

/** The stage that must be done before `stage` can run, and whether the checkpoint says it is. */
function prerequisite(stage: JobStage, c: Checkpoint): { name: string; done: boolean } | null {
  switch (stage) {
    case 'initialize':
      return null;
    case 'profile':
    case 'verify':
      return { name: 'initialization', done: c.batched };
    case 'schedule':
    case 'download':
      return { name: 'profiling', done: c.profiled };
  }
}

interface SummaryFile {
  round: number;
  batches: { total: number; completed: number; remaining: number };
  rows: { successes: number; errors: number; rejected: number };
  transient_errors: number;
}

/**
 * The verification job: the download jobs verify each round they finish; this reports where the
 * whole submission got to, verifying afresh only when the last download was cut short.
 */
async function verifyStage(config: LoadedConfig, layout: Layout, checkpoint: Checkpoint, say: (line: string) => void): Promise<void> {
  let s: SummaryFile;
  if (checkpoint.finished) {
    s = JSON.parse(await fs.readFile(layout.summary, 'utf8')) as SummaryFile;
  } else {
    const ctx = {
      layout,
      log: stageLogger(layout, 'verify', checkpoint.round, 0, config.downloader_parameters.logger_level),
      progress: (label: string, unit?: string) => new ProgressReporter().start(label, unit),
    };
    s = await verify(config, ctx, checkpoint.round);
  }
  say(
    `verify: round ${s.round}: ${s.batches.completed}/${s.batches.total} batches; ${s.rows.successes} images, ` +
      `${s.rows.errors} errors (${s.transient_errors} transient), ${s.rows.rejected} rejected → ${layout.summary}`,
  );
  if (!checkpoint.finished) {
    say(`verify: ${s.batches.remaining} batches are not finished; submit again to continue: distributed-downloader ${config.config_path} --executor slurm`);
  } else if (s.transient_errors > 0) {
    say(`verify: ${s.transient_errors} transient errors left; submit again with --retry-errors to try them once more`);
  }
}

export async function runStage(config: LoadedConfig, stage: JobStage, opts: StageOptions): Promise<void> {
  const { comm } = opts;
  const say = comm.rank === 0 ? (opts.say ?? ((line: string) => console.log(line))) : () => undefined;
  const layout = new Layout(config);
  const checkpoint = await readCheckpoint(layout.checkpoint);
  const needs = prerequisite(stage, checkpoint);
  if (needs && !needs.done) {
    throw new UsageError(`the ${stage} stage needs ${needs.name} first, which ${layout.checkpoint} does not record as done (did its job fail? see logs/slurm/)`);
  }
  const common = { comm, say };
  switch (stage) {
    case 'initialize':
    case 'profile':
      await runPipeline(config, { ...common, stopAfter: stage });
      return;
    case 'schedule':
      await runPipeline(config, { ...common, stopAfter: 'schedule', ...(opts.ranks ? { scheduleRanks: opts.ranks } : {}) });
      return;
    case 'download':
      if (checkpoint.finished) say('download: every round is finished; nothing to do');
      else await runPipeline(config, common);
      return;
    case 'verify':
      if (comm.rank === 0) await verifyStage(config, layout, checkpoint, say);
      return;
  }
}
