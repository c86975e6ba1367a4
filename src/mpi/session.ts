/**
 * One process's MPI session for a command-line program: open the communicator (MPI under a
 * launcher, a single process otherwise), run the body, and leave MPI cleanly. A rank that fails in a
 * way the other ranks cannot know of ends the whole job (MPI_Abort), so nobody waits for it; a
 * failure every rank already knows of (gate.ts) lets all of them finish normally.
 */
import type { Communicator } from './communicator.js';
import { abortJob, isSharedFailure, PeerFailedError } from './gate.js';
import { openCommunicator, type OpenOptions } from './open.js';

export interface SessionOptions extends OpenOptions {
  /** Where notes and rank messages go. Default process.stderr. */
  write?: (line: string) => void;
}

/** Runs `body` with this process's communicator; rethrows its error unless another rank's failure stopped it. */
export async function withCommunicator(body: (comm: Communicator) => Promise<void>, opts: SessionOptions = {}): Promise<void> {
  const write = opts.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const { comm, note } = openCommunicator(opts);
  if (note) write(`note: ${note}`);
  try {
    await body(comm);
  } catch (err) {
    if (comm.size > 1 && !isSharedFailure(err)) abortJob(comm, err, write);
    await comm.finalize();
    if (err instanceof PeerFailedError) {
      // Rank 0 (or the failing rank) tells what went wrong; the others only say why they stop.
      write(`rank ${comm.rank}: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  await comm.finalize();
}
