/**
 * What the download driver needs from MPI, and nothing about HTTP. The native binding implements
 * it across ranks; SingleProcessCommunicator implements it for one process with identical results,
 * so a run without MPI goes through exactly the same code.
 */
export type ReduceOp = 'sum' | 'max' | 'min';

export interface Communicator {
  readonly rank: number;
  readonly size: number;
  /** Element-wise reduction of `data` over all ranks; every rank gets the result. Never blocks the event loop. */
  allreduce(data: Float64Array, op: ReduceOp): Promise<Float64Array>;
  barrier(): Promise<void>;
}

export class SingleProcessCommunicator implements Communicator {
  readonly rank = 0;
  readonly size = 1;

  async allreduce(data: Float64Array, _op: ReduceOp): Promise<Float64Array> {
    return Float64Array.from(data);
  }

  async barrier(): Promise<void> {}
}
