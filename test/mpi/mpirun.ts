/**
 * Starting real MPI jobs from tests. mpirun must be installed (scripts/setup.sh does it) and the
 * binding built: a missing one fails the test with what to run, never skips it silently.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadBinding } from '../../src/mpi/native.js';
import { waitCli, type CliResult } from '../helpers/cli.js';

export const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Throws, with the remedy, when mpirun or the binding is missing. */
export function requireMpi(): void {
  try {
    execFileSync('mpirun', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('mpirun is not installed: run `bash scripts/setup.sh` (it installs openmpi-bin libopenmpi-dev and builds the binding)');
  }
  const loaded = loadBinding();
  if (!loaded.binding) throw new Error(`${loaded.reason}; \`bash scripts/setup.sh\` does both`);
}

/**
 * The environment of a job: as root OpenMPI needs explicit permission; more ranks than cores need
 * oversubscription; transports limited to shared memory and loopback, so no traffic leaves the machine.
 */
export const MPI_ENV: NodeJS.ProcessEnv = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
  OMPI_MCA_btl: 'self,vader',
  OMPI_MCA_oob_tcp_if_include: 'lo',
  // The launcher's own banner on a rank's abort is expected in these tests.
  OMPI_MCA_orte_base_help_aggregate: '1',
};

/** Starts `mpirun -np <ranks> node <script> <args…>`. */
export function startMpirun(ranks: number, script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn('mpirun', ['-np', String(ranks), process.execPath, script, ...args], {
    env: { ...process.env, ...MPI_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function mpirun(ranks: number, script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return waitCli(startMpirun(ranks, script, args, env), timeoutMs);
}

/** The JSON lines a worker printed, one per rank, ordered by rank. */
export function rankLines<T extends { rank: number }>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T)
    .sort((a, b) => a.rank - b.rank);
}
