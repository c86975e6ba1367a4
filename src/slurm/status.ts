/**
 * `distributed-downloader status <config>`: where an output's pipeline stands — the checkpoint, the
 * batches done and left with their images and errors, and the Slurm jobs last submitted for it as
 * squeue or sacct report them.
 */
import type { LoadedConfig } from '../config/index.js';
import { readCheckpoint, type Checkpoint, type SlurmSubmission } from '../pipeline/checkpoint.js';
import { Layout } from '../pipeline/layout.js';
import { hasSlurmCommand } from './commands.js';
import { queryJobs } from './jobs.js';
import { outputProgress } from './progress.js';

function stagesLine(c: Checkpoint): string {
  if (!c.batched) return 'not initialized yet';
  if (!c.profiled) return 'initialized; not profiled yet';
  if (c.finished) return `finished in round ${c.round}`;
  const scheduled = c.scheduled_round === c.round ? `scheduled for ${c.scheduled_ranks} rank${c.scheduled_ranks === 1 ? '' : 's'}` : 'not scheduled yet';
  return `initialized, profiled; round ${c.round} ${scheduled}`;
}

async function jobLines(submission: SlurmSubmission): Promise<string[]> {
  const lines = [`slurm submission ${submission.number} (${submission.submitted_at}):`];
  const ids = submission.jobs.map((j) => j.job_id);
  if (!(await hasSlurmCommand('squeue'))) {
    return [...lines, ...submission.jobs.map((j) => `  ${j.stage.padEnd(10)} ${j.job_id}`), '  (squeue is not available here: states unknown)'];
  }
  const states = await queryJobs(ids);
  const width = Math.max(...ids.map((id) => id.length));
  for (const job of submission.jobs) {
    const s = states.get(job.job_id);
    const what = s
      ? `${s.state.padEnd(10)} ${s.elapsed}${s.limit ? ` of ${s.limit}` : ''}${s.detail && s.detail !== 'None' ? ` (${s.source === 'sacct' ? 'exit ' : ''}${s.detail})` : ''}`
      : 'ended (no longer known to Slurm, which keeps no accounting here)';
    lines.push(`  ${job.stage.padEnd(10)} ${job.job_id.padStart(width)}  ${what}`);
  }
  return lines;
}

export async function statusLines(config: LoadedConfig): Promise<string[]> {
  const layout = new Layout(config);
  const checkpoint = await readCheckpoint(layout.checkpoint);
  const lines = [`output: ${layout.root}`, `stages: ${stagesLine(checkpoint)}`];
  if (checkpoint.batched) {
    const p = await outputProgress(layout);
    lines.push(
      `progress: ${p.completed}/${p.completed + p.remaining} batches done, ${p.remaining} remaining; ` +
        `${p.successes} images, ${p.errors} errors (details of the last verification: ${layout.summary})`,
    );
  }
  lines.push(...(checkpoint.slurm ? await jobLines(checkpoint.slurm) : ['slurm: no jobs submitted for this output']));
  return lines;
}
