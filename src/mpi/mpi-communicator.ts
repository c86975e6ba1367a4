/**
 * The Communicator over MPI_COMM_WORLD through the native binding. Collectives are queued so that
 * exactly one is in flight at a time, in call order: two on one communicator can silently mix up
 * their results, and every rank issues the same sequence anyway. Each is started non-blocking and
 * polled from the event loop, so waiting for a late rank never stalls this rank's downloads.
 */
import type { Communicator, ReduceOp, WaitOptions } from './communicator.js';
import { REDUCE_OPS, type MpiBinding } from './native.js';
import { pollUntil } from './poll.js';

/** Exit code of a job aborted because the ranks lost each other. */
export const EXIT_ABORTED = 3;

export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  /** The last queued collective; the next one starts after it settles. */
  private tail: Promise<unknown> = Promise.resolve();
  private finalized = false;

  constructor(
    private readonly mpi: MpiBinding,
    /** Where the message goes when a wait runs out of time (before the job is aborted). */
    private readonly report: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
  ) {
    this.rank = mpi.rank();
    this.size = mpi.size();
  }

  allreduce(data: Float64Array, op: ReduceOp, wait: WaitOptions = {}): Promise<Float64Array> {
    const send = Float64Array.from(data);
    const recv = new Float64Array(send.length);
    return this.enqueue(() => this.mpi.startAllreduce(send, recv, REDUCE_OPS.indexOf(op)), wait, 'allreduce').then(() => recv);
  }

  barrier(wait: WaitOptions = {}): Promise<void> {
    return this.enqueue(() => this.mpi.startBarrier(), wait, 'barrier');
  }

  abort(code: number): never {
    this.mpi.abort(code);
    // MPI_Abort does not return; should an implementation return anyway, this process still ends.
    process.exit(code);
  }

  async finalize(): Promise<void> {
    if (this.finalized) return;
    this.finalized = true;
    await this.tail.catch(() => undefined);
    this.mpi.finalize();
  }

  private enqueue(start: () => void, wait: WaitOptions, kind: string): Promise<void> {
    if (this.finalized) return Promise.reject(new Error(`MPI ${kind} after finalize`));
    const run = async (): Promise<void> => {
      start();
      const timeoutMs = wait.timeoutMs ?? 0;
      if (await pollUntil(() => this.mpi.test(), timeoutMs)) return;
      // An MPI collective cannot be cancelled: this rank can never take part in another one, and
      // the ranks that did arrive wait for it. Ending the whole job is the only way out.
      this.report(
        `rank ${this.rank}: the other ranks did not complete the ${wait.what ?? kind} within ${Math.round(timeoutMs / 1000)} s ` +
          '(a rank died or hangs); aborting the job',
      );
      this.abort(EXIT_ABORTED);
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
