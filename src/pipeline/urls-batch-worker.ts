/**
 * Worker thread of initialization: duplicate checks of uuid buckets, server buckets read back and
 * written as batches, packed small-server batches, and rejected.parquet (see urls-pool.ts). Most of
 * initialization's CPU time after the input is read, spread over the cores.
 */
import { parentPort, type TransferListItem } from 'node:worker_threads';
import { serveTasks } from '../io/worker-pool.js';
import { writeUrlsBatch } from './urls-batch.js';
import { writeServerBucket } from './urls-bucket.js';
import { findDuplicates } from './urls-dedupe.js';
import { writeRejectedFile } from './urls-rejected-file.js';
import type { InitTask } from './urls-pool.js';

if (!parentPort) throw new Error('urls-batch-worker runs as a worker thread');
serveTasks<InitTask, unknown>(
  parentPort,
  async (task) => {
    switch (task.kind) {
      case 'batch':
        writeUrlsBatch(task);
        return null;
      case 'dedupe':
        return findDuplicates(task);
      case 'bucket':
        return writeServerBucket(task);
      case 'rejected':
        await writeRejectedFile(task);
        return null;
    }
  },
  (result): TransferListItem[] => {
    if (result instanceof Float64Array) return [result.buffer as ArrayBuffer];
    if (result && typeof result === 'object' && 'smallRecords' in result && result.smallRecords instanceof Uint8Array) {
      return [result.smallRecords.buffer as ArrayBuffer];
    }
    return [];
  },
);
