/**
 * Running pipeline steps across ranks so that all of them stay in step: a step that must run once
 * runs on rank 0 while the others wait; a step that runs everywhere ends with every rank learning
 * whether any failed. Either way the failure of one rank reaches all, and all stop together
 * instead of waiting forever for a rank that gave up.
 */
import type { Communicator, WaitOptions } from './communicator.js';

/** Thrown on the ranks that did not fail themselves when another rank's step failed. */
export class PeerFailedError extends Error {
  override readonly name = 'PeerFailedError';
}

/** Errors every rank knows of (the gate has been passed): no need to abort the job over them. */
const shared = new WeakSet<object>();

/** Whether every rank already knows that `err` stopped the run, so the job can end normally. */
export function isSharedFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && shared.has(err);
}

export interface GateResult<T> {
  value: T;
  /** `totals` of every rank, summed. */
  totals: number[];
}

/**
 * Every rank contributes whether it failed (and its `totals`); all get the sum. Throws this rank's
 * own error, or PeerFailedError when only another rank failed.
 */
async function settle<T>(comm: Communicator, outcome: { ok: true; value: T } | { ok: false; error: unknown }, totals: number[], wait: WaitOptions): Promise<GateResult<T>> {
  const vector = Float64Array.from([outcome.ok ? 0 : 1, ...totals]);
  const all = await comm.allreduce(vector, 'sum', wait);
  const failures = all[0]!;
  if (!outcome.ok) {
    if (typeof outcome.error === 'object' && outcome.error !== null) shared.add(outcome.error);
    throw outcome.error;
  }
  if (failures > 0) {
    const err = new PeerFailedError(`${failures} other rank${failures > 1 ? 's' : ''} failed (see ${failures > 1 ? 'their' : 'its'} messages); stopping`);
    shared.add(err);
    throw err;
  }
  return { value: outcome.value, totals: Array.from(all.subarray(1)) };
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs `fn` on rank 0 only, the others waiting (as long as `wait` allows); returns its value on rank 0, undefined elsewhere. */
export async function onRankZero<T>(comm: Communicator, fn: () => Promise<T>, wait: WaitOptions = {}): Promise<T | undefined> {
  const outcome = comm.rank === 0 ? await attempt(fn) : { ok: true as const, value: undefined };
  return (await settle(comm, outcome, [], wait)).value;
}

/** Runs `fn` on every rank, then all learn whether any failed; `totals` of the results are summed over ranks. */
export async function onEveryRank<T>(
  comm: Communicator,
  fn: () => Promise<T>,
  totals: (value: T) => number[],
  width: number,
  wait: WaitOptions = {},
): Promise<GateResult<T>> {
  const outcome = await attempt(fn);
  const mine = outcome.ok ? totals(outcome.value) : new Array<number>(width).fill(0);
  // Every rank must contribute vectors of one length, or the allreduce reads past the shorter ones.
  if (mine.length !== width) throw new Error(`onEveryRank: totals gave ${mine.length} numbers, expected ${width}`);
  return settle(comm, outcome, mine, wait);
}

/** Ends the whole job because this rank failed where the others cannot learn of it. */
export function abortJob(comm: Communicator, err: unknown, report: (line: string) => void): never {
  report(`rank ${comm.rank}: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  report(`rank ${comm.rank}: the other ranks cannot go on without this one; aborting the job`);
  return comm.abort(1);
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Runs a step made of collectives that every rank goes through together (the epoch loop). If it
 * fails on one rank, the ranks' sequences of collectives part ways and the next one would pair
 * unrelated calls, so on several ranks the job ends here; alone, the error is simply thrown.
 */
export async function inLockstep<T>(comm: Communicator, fn: () => Promise<T>, report: (line: string) => void = toStderr): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (comm.size > 1) abortJob(comm, err, report);
    throw err;
  }
}
