/**
 * Loading the optional native MPI binding (native/mpi_binding.cc, built by scripts/build-mpi.mjs).
 * Its absence is not an error: the tool then runs as a single process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** MPI thread support levels, in the binding's numbering. */
export const THREAD_LEVELS = ['single', 'funneled', 'serialized', 'multiple'] as const;
export type ThreadLevel = (typeof THREAD_LEVELS)[number];

/** Reduction operations, in the binding's numbering. */
export const REDUCE_OPS = ['sum', 'max', 'min'] as const;

/** The functions the addon exports (see native/mpi_binding.cc). */
export interface MpiBinding {
  /** MPI_Init_thread with a level index; returns the provided level index. Idempotent. */
  init(level: number): number;
  initialized(): boolean;
  rank(): number;
  size(): number;
  /** Starts MPI_Iallreduce over float64; throws while another collective is in flight. */
  startAllreduce(send: Float64Array, recv: Float64Array, op: number): void;
  /** Starts MPI_Ibarrier; throws while another collective is in flight. */
  startBarrier(): void;
  /** Progresses the collective in flight; true once it is complete (or when none is). */
  test(): boolean;
  abort(code: number): void;
  finalize(): void;
  libraryVersion(): string;
}

export type BindingLoad = { binding: MpiBinding; path: string } | { binding: null; reason: string };

/** Where the build puts the addon, seen from dist/src/mpi/ (compiled) or src/mpi/ (run from source). */
const CANDIDATES = ['../../../native/build/Release/dd_mpi.node', '../../native/build/Release/dd_mpi.node'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

let cached: BindingLoad | undefined;

/** The binding, or why there is none. Loaded once per process. */
export function loadBinding(): BindingLoad {
  if (cached) return cached;
  const file = CANDIDATES.find((p) => existsSync(p));
  if (file === undefined) {
    cached = { binding: null, reason: 'the MPI binding is not built (run `npm run build:mpi`; it needs mpicc and mpi.h)' };
    return cached;
  }
  try {
    const binding = createRequire(import.meta.url)(file) as MpiBinding;
    cached = { binding, path: file };
  } catch (err) {
    cached = { binding: null, reason: `the MPI binding ${file} does not load: ${err instanceof Error ? err.message : String(err)}` };
  }
  return cached;
}
