/**
 * The Slurm executor (`--executor slurm`): instead of running the pipeline here, fill the job
 * templates and queue them as one chain — initialize → profile → schedule → num_downloads download
 * jobs → verify — skipping stages the checkpoint records as done. The chain's job ids go into the
 * checkpoint, and while any of them may still run, submitting again queues nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint, type SlurmSubmission } from '../pipeline/checkpoint.js';
import { UsageError } from '../pipeline/errors.js';
import { Layout } from '../pipeline/layout.js';
import { applyResets, type RunOptions } from '../pipeline/run.js';
import { hasSlurmCommand } from './commands.js';
import { isActive, queryJobs, type JobState } from './jobs.js';
import { downloadShape, ranksOf, sbatchLines, singleTaskShape, toolsShape, type JobShape } from './resources.js';
import type { JobStage } from './stage.js';
import { cancelJobs, releaseJob, submitHeldChain, type ChainedJob } from './submit.js';
import { renderTemplate, shellQuote, type TemplateName } from './templates.js';
import { parseSlurmTime } from './time.js';

export interface SubmitOptions extends Pick<RunOptions, 'resetBatched' | 'resetProfiled' | 'force' | 'retryErrors'> {
  /** Queue the jobs up to this stage only. Default: the whole chain. */
  stopAfter?: 'initialize' | 'profile' | 'schedule';
  /** Status lines. Default: printed to stdout. */
  say?: (line: string) => void;
}

export interface SubmitResult {
  /** The chain queued now, or null when nothing was. */
  submitted: SlurmSubmission | null;
  /** Jobs of the previous submission that may still run (then nothing is queued). */
  active: JobState[];
}

const TEMPLATE_OF: Record<JobStage, TemplateName> = {
  initialize: 'init',
  profile: 'profile',
  schedule: 'schedule',
  download: 'download',
  verify: 'verify',
};

const cli = (name: string): string => fileURLToPath(new URL(`../cli/${name}.js`, import.meta.url));

/** The stages still to run, in order, with as many download jobs as num_downloads. */
export function stagesToSubmit(checkpoint: Checkpoint, config: LoadedConfig, opts: Pick<SubmitOptions, 'stopAfter'>): JobStage[] {
  const stages: JobStage[] = [];
  if (!checkpoint.batched) stages.push('initialize');
  if (opts.stopAfter === 'initialize') return stages;
  if (!checkpoint.profiled) stages.push('profile');
  if (opts.stopAfter === 'profile' || checkpoint.finished) return stages;
  const ranks = ranksOf(downloadShape(config));
  if (checkpoint.scheduled_round !== checkpoint.round || checkpoint.scheduled_ranks !== ranks) stages.push('schedule');
  if (opts.stopAfter === 'schedule') return stages;
  for (let i = 0; i < config.downloader_parameters.num_downloads; i++) stages.push('download');
  stages.push('verify');
  return stages;
}

/** A download job must have time left before its guard stops it, or every job would end at once. */
function checkTimeLimit(config: LoadedConfig): void {
  const { time, stop_before_end_s: guard } = config.slurm;
  if (parseSlurmTime(time)! > guard) return;
  throw new UsageError(
    `slurm.time = ${time} leaves a download job no time: it stops opening batches slurm.stop_before_end_s = ${guard} s ` +
      'before its end. Raise slurm.time or lower slurm.stop_before_end_s',
  );
}

/** The job scripts of one submission, written under `slurm/<NNNN>/`: one per kind of job, and the tools job. */
async function writeScripts(config: LoadedConfig, layout: Layout, submission: number, stages: readonly JobStage[]): Promise<Map<JobStage, string>> {
  const node = config.slurm.node ?? process.execPath;
  const command = (program: string) => [node, cli(program), config.config_path].map(shellQuote).join(' ');
  const write = async (template: TemplateName, logName: string, shape: JobShape): Promise<string> => {
    const logs = layout.slurmLogDir(logName);
    // Slurm does not create the folders of output files: a job writing into a missing one fails unseen.
    await fs.mkdir(logs, { recursive: true });
    const values = {
      SBATCH: sbatchLines(config, { name: `dd-${logName}`, shape, chdir: layout.root, output: path.join(logs, '%j.out') }).join('\n'),
      SETUP: config.slurm.setup.join('\n'),
      DOWNLOADER: command('downloader'),
      TOOLS: command('tools'),
      MPI: config.slurm.mpi,
      RANKS: String(ranksOf(downloadShape(config))),
      RANK_LOG: shellQuote(path.join(logs, '%j-rank-%4t.out')),
    };
    const file = layout.slurmScript(submission, template);
    await writeFileAtomic(file, renderTemplate(config, template, values));
    return file;
  };
  const scripts = new Map<JobStage, string>();
  for (const stage of new Set(stages)) {
    scripts.set(stage, await write(TEMPLATE_OF[stage], stage, stage === 'download' ? downloadShape(config) : singleTaskShape(config)));
  }
  await write('tools', 'tools', toolsShape(config));
  return scripts;
}

/** The recorded jobs that may still run, in submission order. */
async function activeJobs(checkpoint: Checkpoint): Promise<JobState[]> {
  if (!checkpoint.slurm) return [];
  const ids = checkpoint.slurm.jobs.map((j) => j.job_id);
  const states = await queryJobs(ids);
  return ids.map((id) => states.get(id)).filter((s): s is JobState => s !== undefined && isActive(s));
}

export async function submitPipeline(config: LoadedConfig, opts: SubmitOptions = {}): Promise<SubmitResult> {
  const say = opts.say ?? ((line: string) => console.log(line));
  if (!(await hasSlurmCommand('sbatch'))) {
    throw new UsageError(
      "the slurm executor needs Slurm's sbatch, which is not on this machine's PATH: submit from the cluster's login " +
        'node, or run here with --executor local (scripts/setup.sh installs a local Slurm for the tests)',
    );
  }
  const layout = new Layout(config);
  let checkpoint = await readCheckpoint(layout.checkpoint);
  const active = await activeJobs(checkpoint);
  if (active.length > 0) {
    say(
      `slurm: ${active.length} job${active.length > 1 ? 's' : ''} of submission ${checkpoint.slurm!.number} still queued or running ` +
        `(${active.map((j) => `${j.id} ${j.state}`).join(', ')}); nothing submitted. ` +
        `See: distributed-downloader status ${config.config_path}`,
    );
    return { submitted: null, active };
  }

  await fs.mkdir(layout.root, { recursive: true });
  checkpoint = await applyResets(layout, checkpoint, opts, say);
  if (opts.retryErrors && checkpoint.finished && (checkpoint.verified?.transient ?? 0) > 0) {
    say(`--retry-errors: retrying ${checkpoint.verified!.transient} transient errors in round ${checkpoint.round + 1}`);
    checkpoint = { ...checkpoint, finished: false, round: checkpoint.round + 1 };
  }
  const stages = stagesToSubmit(checkpoint, config, opts);
  if (stages.length === 0) {
    await writeCheckpoint(layout.checkpoint, checkpoint);
    say(checkpoint.finished ? `slurm: every round is finished (${layout.summary}); nothing submitted` : 'slurm: nothing to submit');
    return { submitted: null, active: [] };
  }
  if (stages.includes('download')) checkTimeLimit(config);

  const number = (checkpoint.slurm?.number ?? 0) + 1;
  const scripts = await writeScripts(config, layout, number, stages);
  const chain: ChainedJob[] = stages.map((stage) => ({ label: stage, script: scripts.get(stage)! }));
  const ids = await submitHeldChain(chain);
  const submitted: SlurmSubmission = {
    number,
    submitted_at: new Date().toISOString(),
    jobs: stages.map((stage, i) => ({ stage, job_id: ids[i]! })),
  };
  try {
    await writeCheckpoint(layout.checkpoint, { ...checkpoint, slurm: submitted });
    await releaseJob(ids[0]!);
  } catch (err) {
    // Unrecorded jobs could not be told apart from a later submission's: none may stay queued.
    await cancelJobs(ids);
    throw err;
  }
  say(`slurm: submission ${number}: ${submitted.jobs.map((j) => `${j.stage} ${j.job_id}`).join(', ')} (each after the previous one ends)`);
  say(`slurm: job scripts in ${path.dirname(layout.slurmScript(number, 'init'))}, job output in ${path.dirname(layout.slurmLogDir('init'))}`);
  say(`slurm: follow with: distributed-downloader status ${config.config_path}`);
  return { submitted, active: [] };
}
