/**
 * What the launcher says about the job, from the environment it gives each process. mpirun (OpenMPI),
 * Hydra (MPICH, Intel MPI) and srun each announce the number of processes they started; if that is
 * more than one but MPI then sees a world of one, the processes were started by a launcher their MPI
 * cannot talk to (e.g. OpenMPI under srun without --mpi=pmix, or MPICH's mpiexec with OpenMPI): N
 * independent copies that would all download the same batches into the same folder.
 */

export interface LauncherWorld {
  /** The variable that announced the size. */
  variable: string;
  /** Processes the launcher started. */
  size: number;
}

/**
 * Variables announcing the job's size. srun's is the step's task count: SLURM_NTASKS is set in a
 * batch script too, where a single process is legitimate.
 */
const SIZE_VARIABLES = ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'SLURM_STEP_NUM_TASKS'] as const;

/** Variables that only an MPI launcher (not a bare srun) sets: MPI is meant to be used even for one process. */
const MPI_VARIABLES = ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'PMI_RANK', 'PMIX_RANK'] as const;

/** The largest size any launcher variable announces, or undefined when none does. */
export function launcherWorld(env: NodeJS.ProcessEnv = process.env): LauncherWorld | undefined {
  let best: LauncherWorld | undefined;
  for (const variable of SIZE_VARIABLES) {
    const size = Number(env[variable]);
    if (Number.isInteger(size) && size >= 1 && (best === undefined || size > best.size)) best = { variable, size };
  }
  return best;
}

/** Whether the process was started by an MPI launcher, or by any launcher with more than one process. */
export function launchedForMpi(env: NodeJS.ProcessEnv = process.env): boolean {
  if (MPI_VARIABLES.some((v) => env[v] !== undefined)) return true;
  return (launcherWorld(env)?.size ?? 1) > 1;
}
