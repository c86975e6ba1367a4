/** MPI for the pipeline: communicators, the epoch exchange, rank gates and the CLI session. */
export { SingleProcessCommunicator, type Communicator, type ReduceOp, type WaitOptions } from './communicator.js';
export { MpiCommunicator, EXIT_ABORTED } from './mpi-communicator.js';
export { EpochSync, type EpochResult, type EpochSyncOptions } from './epoch-sync.js';
export { abortJob, inLockstep, onEveryRank, onRankZero, isSharedFailure, PeerFailedError, type GateResult } from './gate.js';
export { launchedForMpi, launcherWorld, type LauncherWorld } from './launcher.js';
export { loadBinding, THREAD_LEVELS, type BindingLoad, type MpiBinding, type ThreadLevel } from './native.js';
export { openCommunicator, LauncherError, type OpenedCommunicator, type OpenOptions } from './open.js';
export { withCommunicator, type SessionOptions } from './session.js';
