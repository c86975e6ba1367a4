/**
 * What Slurm says about jobs: squeue while the controller still holds them (pending, running, and
 * for a few minutes after they end), sacct afterwards when the cluster keeps accounting.
 */
import { slurmCommand, SlurmCommandError } from './commands.js';

export interface JobState {
  id: string;
  /** Slurm's state name: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, … */
  state: string;
  /** Time used so far, in Slurm's notation. */
  elapsed: string;
  /** Time limit, in Slurm's notation. */
  limit: string;
  /** Why a pending job waits (squeue), or the exit code `code:signal` of a finished one (sacct). */
  detail: string;
  /** Which command told. */
  source: 'squeue' | 'sacct';
}

/** States after which a job never runs again. */
const FINAL_STATES: ReadonlySet<string> = new Set([
  'COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'REVOKED',
]);

/** Whether the job may still run or is running (pending, running, completing, suspended, requeued, …). */
export function isActive(job: JobState): boolean {
  return !FINAL_STATES.has(job.state);
}

function parseLines(text: string, source: JobState['source']): JobState[] {
  const jobs: JobState[] = [];
  for (const line of text.split('\n')) {
    const [id, state, elapsed = '', limit = '', detail = ''] = line.trim().split('|');
    // sacct also lists the steps of a job (123.batch, 123.0): the job's own line is enough.
    if (!id || !state || id.includes('.')) continue;
    // sacct writes "CANCELLED by <uid>".
    jobs.push({ id, state: state.split(' ')[0]!, elapsed, limit, detail, source });
  }
  return jobs;
}

async function fromSqueue(ids: readonly string[]): Promise<JobState[]> {
  try {
    const out = await slurmCommand('squeue', ['--noheader', '--states=all', `--jobs=${ids.join(',')}`, '--format=%i|%T|%M|%l|%r']);
    return parseLines(out, 'squeue');
  } catch (err) {
    // squeue refuses the whole request when none of the ids is still known to the controller.
    if (err instanceof SlurmCommandError && /invalid job id/i.test(err.stderr)) return [];
    throw err;
  }
}

/** Finished jobs from accounting; none when the cluster keeps none (sacct then fails). */
async function fromSacct(ids: readonly string[]): Promise<JobState[]> {
  try {
    const out = await slurmCommand('sacct', ['--noheader', '--parsable2', `--jobs=${ids.join(',')}`, '--format=JobID,State,Elapsed,Timelimit,ExitCode']);
    return parseLines(out, 'sacct');
  } catch (err) {
    if (err instanceof SlurmCommandError) return [];
    throw err;
  }
}

/** The state of each of `ids` that Slurm still knows of; jobs it has forgotten are left out. */
export async function queryJobs(ids: readonly string[]): Promise<Map<string, JobState>> {
  const known = new Map<string, JobState>();
  if (ids.length === 0) return known;
  for (const job of await fromSqueue(ids)) known.set(job.id, job);
  const rest = ids.filter((id) => !known.has(id));
  if (rest.length > 0) for (const job of await fromSacct(rest)) known.set(job.id, job);
  return known;
}
