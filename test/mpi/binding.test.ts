import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCommunicator, LauncherError } from '../../src/mpi/open.js';
import { launchedForMpi, launcherWorld } from '../../src/mpi/launcher.js';
import { SingleProcessCommunicator } from '../../src/mpi/communicator.js';
import { runCliBin } from '../helpers/cli.js';
import { mpirun, rankLines, requireMpi, WORKER } from './mpirun.js';

requireMpi();

interface AllreduceLine {
  rank: number;
  size: number;
  sum: number[];
  max: number[];
  min: number[];
  longSum: number[];
  view: number[];
  burst: number[];
}

for (const n of [2, 4]) {
  test(`allreduce sum/max/min on ${n} ranks, long vectors, views and a burst of unawaited calls`, async () => {
    const result = await mpirun(n, WORKER, ['allreduce']);
    assert.equal(result.code, 0, result.stderr);
    const lines = rankLines<AllreduceLine>(result.stdout);
    assert.deepEqual(lines.map((l) => l.rank), [...Array(n).keys()]);
    const tri = (n * (n - 1)) / 2;
    for (const l of lines) {
      assert.equal(l.size, n);
      assert.deepEqual(l.sum, [tri + n, 2 * tri, -tri, 0.5 * n]);
      assert.deepEqual(l.max, [n, 2 * (n - 1), 0, 0.5]);
      assert.deepEqual(l.min, [1, 0, -(n - 1), 0.5]);
      assert.deepEqual(l.longSum, [0, tri, 99_999 * tri]);
      assert.deepEqual(l.view, [tri, tri, tri]);
      assert.deepEqual(l.burst, Array.from({ length: 40 }, (_, k) => k * 1000 * n + tri));
    }
  });
}

test('the event loop keeps running while a rank arrives late, at little CPU cost', async () => {
  const result = await mpirun(3, WORKER, ['late']);
  assert.equal(result.code, 0, result.stderr);
  const lines = rankLines<{ rank: number; late: boolean; result: number; waitedMs: number; ticks: number; maxGapMs: number; cpuMs: number }>(result.stdout);
  assert.equal(lines.length, 3);
  for (const l of lines) assert.equal(l.result, 3);
  for (const l of lines.filter((x) => !x.late)) {
    assert.ok(l.waitedMs > 1000, `rank ${l.rank} waited only ${l.waitedMs} ms`);
    // A 10 ms interval ticking on: the wait never held the loop for long.
    assert.ok(l.ticks >= l.waitedMs / 10 / 3, `rank ${l.rank}: ${l.ticks} ticks in ${l.waitedMs} ms`);
    assert.ok(l.maxGapMs < 250, `rank ${l.rank}: the loop stalled for ${l.maxGapMs} ms`);
    assert.ok(l.cpuMs < 0.5 * l.waitedMs, `rank ${l.rank}: ${l.cpuMs} ms of CPU while waiting ${l.waitedMs} ms`);
  }
});

test('a rank that never joins: the wait times out and the whole job is aborted, not hung', async () => {
  const started = Date.now();
  const result = await mpirun(2, WORKER, ['timeout'], {}, 25_000);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /rank 0: the other ranks did not complete the test exchange within 1 s .*aborting the job/);
  assert.ok(Date.now() - started < 20_000);
});

test('a single process without mpirun: a world of one, through the communicator and the binding', async () => {
  const env = { ...process.env };
  for (const v of ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'PMI_RANK', 'PMIX_RANK', 'SLURM_STEP_NUM_TASKS']) delete env[v];
  const result = await runCliBin(WORKER, ['single'], env);
  assert.equal(result.code, 0, result.stderr);
  const [line] = rankLines<{ rank: number; communicator: string; size: number; bindingSize: number; bindingRank: number }>(result.stdout);
  assert.deepEqual(line, { rank: 0, communicator: 'SingleProcessCommunicator', size: 1, bindingSize: 1, bindingRank: 0 });
});

test('launcher detection from the environment', () => {
  assert.equal(launcherWorld({}), undefined);
  assert.deepEqual(launcherWorld({ OMPI_COMM_WORLD_SIZE: '4' }), { variable: 'OMPI_COMM_WORLD_SIZE', size: 4 });
  assert.deepEqual(launcherWorld({ PMI_SIZE: '2', SLURM_STEP_NUM_TASKS: '8' }), { variable: 'SLURM_STEP_NUM_TASKS', size: 8 });
  // A batch script's SLURM_NTASKS alone is no launcher: one process there is legitimate.
  assert.equal(launchedForMpi({ SLURM_NTASKS: '16' }), false);
  assert.equal(launchedForMpi({ SLURM_STEP_NUM_TASKS: '1' }), false);
  assert.equal(launchedForMpi({ SLURM_STEP_NUM_TASKS: '4' }), true);
  assert.equal(launchedForMpi({ PMIX_RANK: '0' }), true);
});

test('without the binding: one process runs alone and says why; several are refused', () => {
  const missing = () => ({ binding: null, reason: 'the MPI binding is not built' });
  const alone = openCommunicator({ env: {}, load: missing });
  assert.ok(alone.comm instanceof SingleProcessCommunicator);
  assert.match(alone.note ?? '', /running as a single process: the MPI binding is not built/);
  assert.throws(() => openCommunicator({ env: { OMPI_COMM_WORLD_SIZE: '4' }, load: missing }), (err: unknown) => {
    assert.ok(err instanceof LauncherError);
    assert.match(err.message, /one of 4 processes \(OMPI_COMM_WORLD_SIZE=4\) but the MPI binding is not built/);
    return true;
  });
});
