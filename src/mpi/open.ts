/**
 * Choosing the communicator of a run (DESIGN §7): MPI when a launcher started the process, a single
 * process otherwise. Runs that would go wrong are refused before anything is downloaded: started as
 * several processes without a working binding, or by a launcher this MPI cannot talk to.
 */
import { SingleProcessCommunicator, type Communicator } from './communicator.js';
import { launchedForMpi, launcherWorld } from './launcher.js';
import { MpiCommunicator } from './mpi-communicator.js';
import { loadBinding, THREAD_LEVELS, type BindingLoad, type ThreadLevel } from './native.js';

/** A launch that cannot work; the message says what to do instead. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
}

export interface OpenOptions {
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * MPI thread support requested. Default `funneled`: only the main thread calls MPI (libuv's
   * threads never do).
   */
  threadLevel?: ThreadLevel;
  /** Default loadBinding (tests substitute a missing binding). */
  load?: () => BindingLoad;
}

export interface OpenedCommunicator {
  comm: Communicator;
  /** A line to show the user once (e.g. why this runs as one process), if any. */
  note?: string;
  /** The MPI library in use, when MPI is. */
  library?: string;
}

export function openCommunicator(opts: OpenOptions = {}): OpenedCommunicator {
  const env = opts.env ?? process.env;
  const world = launcherWorld(env);
  const loaded = (opts.load ?? loadBinding)();
  if (!launchedForMpi(env)) {
    if (loaded.binding) return { comm: new SingleProcessCommunicator() };
    return { comm: new SingleProcessCommunicator(), note: `running as a single process: ${loaded.reason}` };
  }
  const announced = world?.size ?? 1;
  if (!loaded.binding) {
    if (announced > 1) {
      throw new LauncherError(
        `started as one of ${announced} processes (${world?.variable}=${announced}) but ${loaded.reason}; ` +
          'the processes would each download everything. Build the binding or run without the launcher',
      );
    }
    return { comm: new SingleProcessCommunicator(), note: `running as a single process: ${loaded.reason}` };
  }
  const mpi = loaded.binding;
  mpi.init(THREAD_LEVELS.indexOf(opts.threadLevel ?? 'funneled'));
  const size = mpi.size();
  if (announced > 1 && size === 1) {
    mpi.finalize();
    throw new LauncherError(
      `the launcher started ${announced} processes (${world?.variable}=${announced}) but MPI (${mpi.libraryVersion()}) sees a ` +
        'world of 1 in each: they were started by a launcher this MPI cannot talk to, and would each download everything. ' +
        "Use this MPI's own mpirun/mpiexec, or under Slurm `srun --mpi=pmix` (OpenMPI) / `srun --mpi=pmi2` (MPICH)",
    );
  }
  return { comm: new MpiCommunicator(mpi), library: mpi.libraryVersion() };
}
