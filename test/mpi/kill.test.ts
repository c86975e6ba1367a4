/**
 * A rank killed mid-run (SIGKILL, no chance to say goodbye) ends the whole job instead of leaving
 * the others waiting, and running the same command again finishes the work from the `completed`
 * markers with every row exactly once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFarm, type Farm } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, waitCli } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { assertEveryRowOnce, slowPlan } from './farm-plans.js';
import { mpirun, requireMpi, startMpirun } from './mpirun.js';

requireMpi();

const RANKS = 3;
const dir = tempDir('dd-mpi-kill-');
const farm: Farm = await startFarm(slowPlan(600));
after(() => farm.stop());
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const out = path.join(dir, 'out');
const config = writeYaml(path.join(dir, 'kill.yaml'), {
  path_to_input: input,
  path_to_output: out,
  downloader_parameters: { batch_size: 25, image_size: 224 },
  schedule_rules: { '1': RANKS },
  image: { encoding: 'original' },
  engine: { allow_private_addresses: true },
  controller: { epoch_ms: 250 },
  download: { max_rounds: 1, open_batches: 1 },
  mpi: { timeout_s: 20 },
});

/** The process of `rank` of the job running `config`: mpirun tells each process its rank in its environment. */
function pidOfRank(rank: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (cmdline.includes(config) && environ.includes(`OMPI_COMM_WORLD_RANK=${rank}`)) return Number(entry);
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return undefined;
}

/** Whether `rank` has finished a batch (its download log says so). */
function finishedABatch(rank: number): boolean {
  const root = path.join(out, 'logs', 'download');
  if (!existsSync(root)) return false;
  const file = readdirSync(root).map((round) => path.join(root, round, `rank-${String(rank).padStart(4, '0')}.log`)).find(existsSync);
  return file !== undefined && readFileSync(file, 'utf8').includes('batch completed');
}

async function pidOnceBusy(rank: number, deadlineMs: number): Promise<number> {
  while (Date.now() < deadlineMs) {
    const pid = finishedABatch(rank) ? pidOfRank(rank) : undefined;
    if (pid !== undefined) return pid;
    await sleep(100);
  }
  throw new Error(`rank ${rank} finished no batch in time`);
}

test('SIGKILL of one rank ends the job; the re-run completes every row exactly once', async () => {
  const job = startMpirun(RANKS, DOWNLOADER_BIN, [config]);
  const ended = waitCli(job, 90_000);
  after(() => job.kill('SIGKILL'));
  const pid = await pidOnceBusy(1, Date.now() + 60_000);
  process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  const first = await ended;
  const seconds = (Date.now() - killedAt) / 1000;
  console.log(`killed rank 1 (pid ${pid}); mpirun exited ${first.code ?? first.signal} after ${seconds.toFixed(1)} s`);
  assert.notEqual(first.code, 0, 'the job reports the failure');
  assert.ok(seconds < 30, `the job took ${seconds} s to end after the kill`);
  const done = readdirSync(path.join(out, 'images'), { recursive: true }).filter((f) => String(f).endsWith('completed')).length;
  assert.ok(done > 0 && done < 24, `${done} of 24 batches completed before the kill`);

  const second = await mpirun(RANKS, DOWNLOADER_BIN, [config], {}, 90_000);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /verify: round 0: 24\/24 batches; 600 images, 0 errors/);
  await assertEveryRowOnce(out, farm.rows.map((r) => r.uuid));
});
