/**
 * The pipeline submitted through the Slurm executor to a real single-node Slurm: initialize →
 * profile → schedule → two download jobs on 2 ranks (srun --mpi=pmix) → verify, chained. Every
 * input row ends up exactly once in the output; submitting again while the jobs are queued queues
 * nothing; `status` shows the jobs and the progress.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startFarm, buildScenario, type Farm } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { assertEveryRowOnce } from '../mpi/farm-plans.js';
import { requireMpi } from '../mpi/mpirun.js';
import { startSlurm, type SlurmCluster } from './cluster.js';

requireMpi();
const cluster: SlurmCluster = await startSlurm();
after(() => cluster.stop());
const farm: Farm = await startFarm(buildScenario('demo', { seed: 1, scale: 0.03 }));
after(() => farm.stop());

const dir = tempDir('dd-slurm-executor-');
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const out = path.join(dir, 'out');
const config = writeYaml(path.join(dir, 'config.yaml'), {
  path_to_input: input,
  path_to_output: out,
  executor: 'slurm',
  downloader_parameters: { batch_size: 10, image_size: 64, num_downloads: 2 },
  input: { small_server_urls: 3 },
  engine: {
    allow_private_addresses: true, connect_timeout_ms: 2000, ttfb_timeout_ms: 4000, body_stall_timeout_ms: 2000,
    total_timeout_ms: 10_000, max_retries: 1, backoff_base_ms: 100, backoff_max_ms: 500,
  },
  controller: { epoch_ms: 250 },
  download: { max_rounds: 1, open_batches: 4 },
  mpi: { timeout_s: 60 },
  slurm: { nodes: 1, ntasks_per_node: 2, cpus_per_task: 1, time: '30' },
});
// The jobs inherit the submitting environment: the cluster's configuration, MPI kept on this machine.
const env = { ...cluster.env, OMPI_MCA_btl: 'self,vader' };

interface Recorded {
  finished: boolean;
  slurm: { number: number; jobs: { stage: string; job_id: string }[] } | null;
}
const checkpoint = () => JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as Recorded;

test('a job Slurm refuses leaves nothing queued and is reported with its reason', async () => {
  const refused = writeYaml(path.join(dir, 'refused.yaml'), {
    path_to_input: input,
    path_to_output: path.join(dir, 'refused'),
    slurm: { partition: 'no-such-partition', time: '30' },
  });
  const result = await runCliBin(DOWNLOADER_BIN, ['--executor', 'slurm', refused], env);
  assert.equal(result.code, 2, result.stdout);
  assert.match(result.stderr, /Slurm refused the initialize job .*init\.sbatch.*invalid partition/i);
  assert.deepEqual(cluster.jobs(), []);
});

test('the pipeline as chained Slurm jobs on 2 ranks: every row once; no second submission while queued', async () => {
  const submitted = await runCliBin(DOWNLOADER_BIN, [config], env);
  assert.equal(submitted.code, 0, submitted.stderr);
  assert.match(submitted.stdout, /submission 1: initialize \d+, profile \d+, schedule \d+, download \d+, download \d+, verify \d+/);
  const jobs = checkpoint().slurm!.jobs;
  assert.deepEqual(jobs.map((j) => j.stage), ['initialize', 'profile', 'schedule', 'download', 'download', 'verify']);

  // Again while they are queued: nothing new reaches Slurm.
  const again = await runCliBin(DOWNLOADER_BIN, [config], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /still queued or running .*nothing submitted/);
  assert.equal(cluster.jobs().length, jobs.length, 'no job was added');
  assert.equal(checkpoint().slurm!.number, 1);

  const status = await runCliBin(DOWNLOADER_BIN, ['status', config], env);
  assert.equal(status.code, 0, status.stderr);
  for (const job of jobs) assert.match(status.stdout, new RegExp(`${job.stage}\\s+${job.job_id}\\s+[A-Z]+`));

  const ended = await cluster.waitIdle(150_000);
  for (const job of jobs) {
    const state = ended.find((j) => j.id === job.job_id)?.state;
    assert.equal(state, 'COMPLETED', `${job.stage} job ${job.job_id}: ${state}\n${jobOutput(job.stage, job.job_id)}`);
  }
  assert.equal(checkpoint().finished, true);
  await assertEveryRowOnce(out, farm.rows.map((r) => r.uuid));

  // The first download job did the work on both ranks; the second found nothing left.
  const [first, second] = jobs.filter((j) => j.stage === 'download');
  assert.match(jobOutput('download', `${first!.job_id}-rank-0000`), /download: round 0: \d+ batches, \d+ images, \d+ errors in [\d.]+ s on 2 ranks/);
  assert.match(jobOutput('download', `${second!.job_id}-rank-0000`), /every round is finished; nothing to do/);
  for (const rank of ['0000', '0001']) {
    assert.ok(existsSync(path.join(out, 'logs', 'slurm', 'download', `${first!.job_id}-rank-${rank}.out`)), `rank ${rank}'s output`);
    assert.ok(existsSync(path.join(out, 'logs', 'download', '0000', `rank-${rank}.log`)), `rank ${rank}'s log`);
  }
  assert.deepEqual(readdirSync(path.join(out, 'slurm', '0001')).sort(), [
    'download.sbatch', 'init.sbatch', 'profile.sbatch', 'schedule.sbatch', 'tools.sbatch', 'verify.sbatch',
  ]);

  const done = await runCliBin(DOWNLOADER_BIN, ['status', config], env);
  assert.match(done.stdout, /stages: finished in round 0/);
  assert.match(done.stdout, /progress: (\d+)\/\1 batches done, 0 remaining/);
  assert.match(done.stdout, /verify\s+\d+\s+COMPLETED/);

  const finished = await runCliBin(DOWNLOADER_BIN, [config], env);
  assert.equal(finished.code, 0, finished.stderr);
  assert.match(finished.stdout, /every round is finished .*nothing submitted/);
  assert.equal(cluster.jobs().length, jobs.length);
});

/** What a job (`<id>`) or one of its ranks (`<id>-rank-<NNNN>`) wrote. */
function jobOutput(stage: string, id: string): string {
  const file = path.join(out, 'logs', 'slurm', stage, `${id}.out`);
  return existsSync(file) ? readFileSync(file, 'utf8') : `(no ${file})`;
}
