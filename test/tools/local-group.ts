/**
 * Ranks of one process sharing an in-memory communicator: lets a test run a tool as N ranks
 * without MPI, each rank a concurrent runTool call.
 */
import type { Communicator, ReduceOp } from '../../src/mpi/communicator.js';

const reducers: Record<ReduceOp, (a: number, b: number) => number> = { sum: (a, b) => a + b, max: Math.max, min: Math.min };

export function localGroup(size: number): Communicator[] {
  let arrived: { data: Float64Array; op: ReduceOp; resolve: (r: Float64Array) => void }[] = [];
  const meet = (data: Float64Array, op: ReduceOp) =>
    new Promise<Float64Array>((resolve) => {
      arrived.push({ data, op, resolve });
      if (arrived.length < size) return;
      const all = arrived;
      arrived = [];
      const out = Float64Array.from(all[0]!.data);
      for (const other of all.slice(1)) other.data.forEach((v, i) => (out[i] = reducers[op](out[i]!, v)));
      for (const r of all) r.resolve(Float64Array.from(out));
    });
  return Array.from({ length: size }, (_, rank) => ({
    rank,
    size,
    allreduce: meet,
    barrier: async () => void (await meet(new Float64Array(0), 'sum')),
    abort: (code: number): never => {
      throw new Error(`rank ${rank} aborted the group with code ${code}`);
    },
    finalize: async () => {},
  }));
}
