/**
 * The worker threads of initialization and the tasks they run, typed. Only types are imported from
 * the task modules, so the main thread loads none of Arrow or parquet-wasm.
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../io/worker-pool.js';
import type { UrlsBatchTask } from './urls-batch.js';
import type { ServerBucketResult, ServerBucketTask } from './urls-bucket.js';
import type { DedupeTask } from './urls-dedupe.js';
import type { RejectedFileTask } from './urls-rejected-file.js';

export type InitTask = (UrlsBatchTask & { kind: 'batch' }) | DedupeTask | ServerBucketTask | RejectedFileTask;

export class InitWorkers {
  private readonly pool: WorkerPool<InitTask, unknown>;

  /** `workers` threads (0: one per core the process may use). They start loading their modules now. */
  constructor(workers: number) {
    const size = workers > 0 ? workers : availableParallelism();
    this.pool = new WorkerPool<InitTask, unknown>(new URL('./urls-batch-worker.js', import.meta.url), size);
  }

  get size(): number {
    return this.pool.size;
  }

  /** Writes one batch; its records buffer is moved to the worker (unusable here afterwards). */
  async writeBatch(task: UrlsBatchTask): Promise<void> {
    await this.pool.run({ kind: 'batch', ...task }, [task.records.buffer as ArrayBuffer]);
  }

  /** Duplicates of the given uuid buckets: (row number, first row number, server bucket) triples. */
  async dedupe(files: string[]): Promise<Float64Array> {
    return (await this.pool.run({ kind: 'dedupe', files })) as Float64Array;
  }

  async serverBucket(task: Omit<ServerBucketTask, 'kind'>): Promise<ServerBucketResult> {
    return (await this.pool.run({ kind: 'bucket', ...task }, [task.duplicates.buffer as ArrayBuffer])) as ServerBucketResult;
  }

  async rejectedFile(file: string | null, target: string): Promise<void> {
    await this.pool.run({ kind: 'rejected', file, target });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
