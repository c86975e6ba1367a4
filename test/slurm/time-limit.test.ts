/**
 * A download job with Slurm's shortest time limit (1 minute) on 2 ranks: shortly before its end the
 * ranks stop together, abandon their open batches without leaving any part of them visible, and
 * the job exits 0; the next chained job (held by the test until it has looked) finishes the work.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hostSpec, planScenario, startFarm, type Farm, type UrlSpec } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { assertEveryRowOnce } from '../mpi/farm-plans.js';
import { requireMpi } from '../mpi/mpirun.js';
import { startSlurm, type SlurmCluster } from './cluster.js';

requireMpi();
const cluster: SlurmCluster = await startSlurm();
after(() => cluster.stop());
// Two hosts of about 6 images/s each, one per rank: about 15 s of work per rank, more than one job allows.
const steady = hostSpec({ label: 'steady', capacity: 2, service: { medianMs: 300, sigma: 0.1 } });
const images: UrlSpec[] = Array.from({ length: 100 }, () => ({ kind: 'img', variant: 'small' }));
const farm: Farm = await startFarm(planScenario('slurm-time-limit', 5, [{ spec: steady, urls: images }, { spec: steady, urls: images }]));
after(() => farm.stop());

const dir = tempDir('dd-slurm-time-');
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const out = path.join(dir, 'out');
const config = writeYaml(path.join(dir, 'config.yaml'), {
  path_to_input: input,
  path_to_output: out,
  // Two jobs do the work on an idle machine; the others are margin for a loaded one (a job that
  // finds the work done exits at once). With three, CI once ended unfinished at a load of 4 on 2 cores.
  downloader_parameters: { batch_size: 10, num_downloads: 4 },
  input: { small_server_urls: 0 },
  schedule_rules: { '1': 1 },
  image: { encoding: 'original' },
  engine: { allow_private_addresses: true, connect_timeout_ms: 2000, ttfb_timeout_ms: 4000, total_timeout_ms: 10_000 },
  controller: { epoch_ms: 250 },
  download: { max_rounds: 1, open_batches: 2 },
  mpi: { timeout_s: 60 },
  // Each job ends 60 s after it starts; its ranks stop (and abandon what is open) 48 s before that.
  slurm: { nodes: 1, ntasks_per_node: 2, cpus_per_task: 1, time: '1', stop_before_end_s: 48, abandon_before_end_s: 48 },
});
const env = { ...cluster.env, OMPI_MCA_btl: 'self,vader' };

interface Recorded {
  finished: boolean;
  downloaded_round: number | null;
  slurm: { jobs: { stage: string; job_id: string }[] };
}
const checkpoint = () => JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as Recorded;

/** Every batch folder's files, by folder. */
function batchFolders(): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  const images = path.join(out, 'images');
  if (!existsSync(images)) return folders;
  for (const server of readdirSync(images)) {
    for (const partition of readdirSync(path.join(images, server))) {
      folders.set(`${server}/${partition}`, readdirSync(path.join(images, server, partition)).sort());
    }
  }
  return folders;
}

test('a download job cut by its time limit leaves no partial batch; the next chained job finishes the work', async () => {
  const submitted = await runCliBin(DOWNLOADER_BIN, ['--executor', 'slurm', config], env);
  assert.equal(submitted.code, 0, submitted.stderr);
  const downloads = checkpoint().slurm.jobs.filter((j) => j.stage === 'download').map((j) => j.job_id);
  assert.equal(downloads.length, 4);
  const [first, second] = downloads as [string, string];
  // The second download job waits (still pending on the first) until the first one's output is checked.
  cluster.run('scontrol', ['hold', second]);

  const ended = await cluster.waitEnded(first, 120_000);
  const rankOutput = readFileSync(path.join(out, 'logs', 'slurm', 'download', `${first}-rank-0000.out`), 'utf8');
  assert.equal(ended.state, 'COMPLETED', `exit 0 before the limit, not killed by Slurm:\n${rankOutput}`);
  assert.match(rankOutput, /stopped before the end of the Slurm job/);
  const log = readFileSync(path.join(out, 'logs', 'download', '0000', 'rank-0000.log'), 'utf8');
  assert.match(log, /abandoning the open batches/);

  const folders = batchFolders();
  const complete = [...folders.values()].filter((files) => files.includes('completed'));
  assert.ok(complete.length > 0 && complete.length < 20, `${complete.length} of 20 batches done by the first job`);
  for (const [folder, files] of folders) {
    const expected = files.includes('completed') ? ['completed', 'errors.parquet', 'successes.parquet'] : [];
    assert.deepEqual(files, expected, `${folder} holds a whole batch or nothing`);
  }
  const cut = checkpoint();
  assert.equal(cut.finished, false);
  assert.equal(cut.downloaded_round, null, 'a round cut short is not recorded as downloaded');

  cluster.run('scontrol', ['release', second]);
  const all = await cluster.waitIdle(120_000);
  for (const id of downloads) assert.equal(all.find((j) => j.id === id)?.state, 'COMPLETED', `download job ${id}`);
  assert.equal(checkpoint().finished, true);
  await assertEveryRowOnce(out, farm.rows.map((r) => r.uuid));
});
