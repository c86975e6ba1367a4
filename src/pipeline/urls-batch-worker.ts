/**
 * Worker thread of initialization: builds one urls batch from its spilled records, encodes it as
 * Parquet and writes the file. This is most of initialization's CPU time, and off the main thread
 * it overlaps with the reading and routing of the next batches.
 */
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../io/worker-pool.js';
import { writeUrlsBatch, type UrlsBatchTask } from './urls-batch.js';

if (!parentPort) throw new Error('urls-batch-worker runs as a worker thread');
serveTasks<UrlsBatchTask, null>(parentPort, async (task) => {
  writeUrlsBatch(task);
  return null;
});
