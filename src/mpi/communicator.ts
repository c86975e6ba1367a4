/**
 * What the pipeline needs from MPI, and nothing about HTTP. The native binding implements it across
 * ranks (mpi-communicator.ts); SingleProcessCommunicator implements it for one process with identical
 * results, so a run without MPI goes through exactly the same code.
 */
export type ReduceOp = 'sum' | 'max' | 'min';

export interface WaitOptions {
  /**
   * Longest wait for the other ranks, ms; 0 or absent = no limit. A collective that cannot be
   * cancelled and does not complete leaves the job unusable, so running out of time aborts the job.
   */
  timeoutMs?: number;
  /** What is being waited for, for the message when the time runs out (e.g. "epoch exchange"). */
  what?: string;
}

export interface Communicator {
  readonly rank: number;
  readonly size: number;
  /**
   * Element-wise reduction of `data` over all ranks; every rank gets the result. Never blocks the
   * event loop. Collectives run one at a time in call order, on every rank in the same order.
   */
  allreduce(data: Float64Array, op: ReduceOp, wait?: WaitOptions): Promise<Float64Array>;
  barrier(wait?: WaitOptions): Promise<void>;
  /** Ends every rank of the job at once with `code` (a rank that cannot go on must not leave the others waiting). */
  abort(code: number): never;
  /** Leaves MPI once the collectives in flight are done; call once, at the end. */
  finalize(): Promise<void>;
}

export class SingleProcessCommunicator implements Communicator {
  readonly rank = 0;
  readonly size = 1;

  async allreduce(data: Float64Array, _op: ReduceOp, _wait?: WaitOptions): Promise<Float64Array> {
    return Float64Array.from(data);
  }

  async barrier(_wait?: WaitOptions): Promise<void> {}

  abort(code: number): never {
    process.exit(code);
  }

  async finalize(): Promise<void> {}
}
