/**
 * What each rank of the binding tests runs: `node worker.js <scenario>` (under mpirun or alone).
 * Prints one JSON line per rank. The test runner also loads every file under test/ as a test file;
 * without a scenario argument this one does nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadBinding } from '../../src/mpi/native.js';
import { openCommunicator } from '../../src/mpi/open.js';
import type { Communicator } from '../../src/mpi/communicator.js';

const SCENARIOS = ['allreduce', 'late', 'timeout', 'single'] as const;
type Scenario = (typeof SCENARIOS)[number];

function print(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Sum, max and min of small vectors, a long vector, a view into a larger buffer, and a burst of unawaited calls. */
async function allreduce(comm: Communicator): Promise<void> {
  const r = comm.rank;
  const small = Float64Array.of(r + 1, 2 * r, -r, 0.5);
  const sum = await comm.allreduce(small, 'sum');
  const max = await comm.allreduce(small, 'max');
  const min = await comm.allreduce(small, 'min');
  const long = new Float64Array(100_000).map((_, i) => r * i);
  const longSum = await comm.allreduce(long, 'sum');
  const backing = new Float64Array(10).fill(r);
  const view = await comm.allreduce(backing.subarray(3, 6), 'sum');
  // Started together without waiting: the communicator must run them one at a time, in order.
  const burst = await Promise.all(Array.from({ length: 40 }, (_, k) => comm.allreduce(Float64Array.of(k * 1000 + r), 'sum')));
  await comm.barrier();
  print({
    rank: r,
    size: comm.size,
    sum: Array.from(sum),
    max: Array.from(max),
    min: Array.from(min),
    longSum: [longSum[0], longSum[1], longSum[99_999]],
    view: Array.from(view),
    burst: burst.map((b) => b[0]),
  });
}

/** The last rank joins 1.5 s late; the others count event-loop ticks while they wait. */
async function late(comm: Communicator): Promise<void> {
  const lateRank = comm.size - 1;
  if (comm.rank === lateRank) await sleep(1500);
  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await comm.allreduce(Float64Array.of(1), 'sum');
  const waitedMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  print({ rank: comm.rank, late: comm.rank === lateRank, result: result[0], waitedMs, ticks, maxGapMs: maxGap, cpuMs: (used.user + used.system) / 1000 });
}

/** Rank 0 gives up after 1 s; the others never come (within the test's patience). */
async function timeout(comm: Communicator): Promise<void> {
  if (comm.rank !== 0) await sleep(30_000);
  await comm.allreduce(Float64Array.of(1), 'sum', { timeoutMs: 1000, what: 'test exchange' });
}

/** Without a launcher: the communicator chosen, and the binding itself initialized as a world of one. */
async function single(comm: Communicator): Promise<void> {
  const loaded = loadBinding();
  if (!loaded.binding) throw new Error(loaded.reason);
  loaded.binding.init(1);
  print({ rank: comm.rank, communicator: comm.constructor.name, size: comm.size, bindingSize: loaded.binding.size(), bindingRank: loaded.binding.rank() });
  loaded.binding.finalize();
}

const scenario = process.argv[2];
if (SCENARIOS.includes(scenario as Scenario)) {
  const { comm } = openCommunicator();
  const run = { allreduce, late, timeout, single }[scenario as Scenario];
  await run(comm);
  await comm.finalize();
}
