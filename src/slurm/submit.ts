/**
 * Queuing a chain of job scripts: each job starts once the one before it has ended, whatever its
 * outcome (afterany), so a download cut off by its time limit is continued by the next. The first
 * job is held until the caller has recorded the ids: until then no job can start and write the
 * checkpoint the ids go into.
 */
import { slurmCommand, SlurmCommandError } from './commands.js';
import { UsageError } from '../pipeline/errors.js';

export interface ChainedJob {
  /** What the job does, for messages. */
  label: string;
  script: string;
}

/** The job id in `sbatch --parsable`'s answer (`<id>` or `<id>;<cluster>`). */
function jobIdOf(answer: string): string {
  const id = answer.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch answered ${JSON.stringify(answer.trim())} instead of a job id`);
  return id;
}

/** Cancels jobs of a chain that cannot be completed, so that no half chain stays queued. */
export async function cancelJobs(ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await slurmCommand('scancel', [...ids]).catch(() => undefined);
}

/** Queues `jobs` in order, the first one held; returns their ids. Nothing stays queued if one is refused. */
export async function submitHeldChain(jobs: readonly ChainedJob[]): Promise<string[]> {
  const ids: string[] = [];
  try {
    for (const job of jobs) {
      const previous = ids.at(-1);
      const order = previous === undefined ? ['--hold'] : [`--dependency=afterany:${previous}`];
      ids.push(jobIdOf(await slurmCommand('sbatch', ['--parsable', ...order, job.script])));
    }
  } catch (err) {
    await cancelJobs(ids);
    if (err instanceof SlurmCommandError) {
      const refused = jobs[ids.length]!;
      throw new UsageError(`Slurm refused the ${refused.label} job (${refused.script}): ${err.stderr.trim() || err.message}`);
    }
    throw err;
  }
  return ids;
}

/** Lets the held first job of a chain start. */
export async function releaseJob(id: string): Promise<void> {
  await slurmCommand('scontrol', ['release', id]);
}
