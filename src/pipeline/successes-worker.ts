/** Worker thread of the download stage: builds and encodes the successes files (see successes-sink.ts). */
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../io/worker-pool.js';
import { LocalSuccessesSink, type SuccessesTask } from './successes-sink.js';

if (!parentPort) throw new Error('successes-worker runs as a worker thread');
const sink = new LocalSuccessesSink();
serveTasks<SuccessesTask, null>(parentPort, async (task) => {
  await sink.run(task);
  return null;
});
