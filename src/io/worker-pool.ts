/**
 * A small pool of worker threads running one kind of task, for CPU work (Arrow building, Parquet
 * encoding) that would otherwise serialise with the main thread's parsing. Tasks queue in order and
 * go to the first idle worker; the caller bounds how many are in flight, and so the memory they hold.
 */
import { Worker, type TransferListItem } from 'node:worker_threads';

interface Pending<R> {
  task: unknown;
  transfer: TransferListItem[];
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

type Reply<R> = { ok: true; result: R } | { ok: false; message: string; stack?: string };

export class WorkerPool<T, R> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending<R>>();
  private readonly queue: Pending<R>[] = [];
  private failure: Error | null = null;
  private closed = false;

  constructor(script: URL, size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(script);
      worker.on('message', (reply: Reply<R>) => this.settle(worker, reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`worker thread exited with code ${code}`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Tasks handed out and not finished yet, queued ones included. */
  get pending(): number {
    return this.queue.length + this.busy.size;
  }

  run(task: T, transfer: TransferListItem[] = []): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage(job.task, job.transfer);
    }
  }

  private settle(worker: Worker, reply: Reply<R>): void {
    const job = this.busy.get(worker);
    if (!job) return;
    this.busy.delete(worker);
    this.idle.push(worker);
    if (reply.ok) job.resolve(reply.result);
    else {
      const err = new Error(reply.message);
      if (reply.stack) err.stack = reply.stack;
      job.reject(err);
    }
    this.dispatch();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of [...this.busy.values(), ...this.queue]) job.reject(this.failure);
    this.busy.clear();
    this.queue.length = 0;
  }

  /** Stops the workers; tasks still queued or running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    this.fail(new Error('worker pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.idle.length = 0;
  }
}

/**
 * The worker side: answers every task message with `handle`'s result or its error. `transferOf`
 * names the result's buffers to move to the caller rather than copy (default: none).
 */
export function serveTasks<T, R>(
  port: { on(event: 'message', fn: (task: T) => void): void; postMessage(reply: Reply<R>, transfer?: readonly TransferListItem[]): void },
  handle: (task: T) => Promise<R>,
  transferOf: (result: R) => TransferListItem[] = () => [],
): void {
  port.on('message', (task: T) => {
    handle(task).then(
      (result) => port.postMessage({ ok: true, result }, transferOf(result)),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({ ok: false, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
      },
    );
  });
}
