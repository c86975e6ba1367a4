/**
 * What each job asks Slurm for, as #SBATCH lines. The download and tools jobs run one MPI rank per
 * task over several nodes; initialization, profiling, scheduling and verification are one task.
 * Keys the `slurm` section leaves out come from the Python tool's keys (README "Running under Slurm").
 */
import type { LoadedConfig } from '../config/index.js';

export interface JobShape {
  nodes: number;
  tasksPerNode: number;
  cpusPerTask: number;
}

/** The ranks of every download job. */
export function downloadShape(config: LoadedConfig): JobShape {
  const { slurm, downloader_parameters: dp } = config;
  return {
    nodes: slurm.nodes ?? dp.max_nodes,
    tasksPerNode: slurm.ntasks_per_node ?? dp.workers_per_node,
    cpusPerTask: slurm.cpus_per_task ?? dp.cpu_per_worker,
  };
}

/** The stages that run once, on one task. */
export function singleTaskShape(config: LoadedConfig): JobShape {
  return { nodes: 1, tasksPerNode: 1, cpusPerTask: downloadShape(config).cpusPerTask };
}

/** The ranks of a tools job (the Python tool's tools_parameters). */
export function toolsShape(config: LoadedConfig): JobShape {
  const tp = config.tools_parameters;
  return { nodes: tp.max_nodes, tasksPerNode: tp.workers_per_node, cpusPerTask: tp.cpu_per_worker };
}

export const ranksOf = (shape: JobShape): number => shape.nodes * shape.tasksPerNode;

export interface SbatchJob {
  /** Slurm's job name (shown by squeue). */
  name: string;
  shape: JobShape;
  /** Working directory of the job. */
  chdir: string;
  /** The batch script's own output file (sbatch --output, with Slurm's %j for the job id). */
  output: string;
}

/** sbatch reads options up to the first command, and splits them at blanks unless quoted. */
function quoted(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/** The job's #SBATCH lines: resources, then the cluster's settings, then the extra arguments. */
export function sbatchLines(config: LoadedConfig, job: SbatchJob): string[] {
  const slurm = config.slurm;
  const options = [
    `--job-name=${quoted(job.name)}`,
    `--chdir=${quoted(job.chdir)}`,
    `--output=${quoted(job.output)}`,
    `--time=${slurm.time}`,
    `--nodes=${job.shape.nodes}`,
    `--ntasks-per-node=${job.shape.tasksPerNode}`,
    `--cpus-per-task=${job.shape.cpusPerTask}`,
  ];
  const account = slurm.account ?? config.account;
  if (account) options.push(`--account=${quoted(account)}`);
  if (slurm.partition) options.push(`--partition=${quoted(slurm.partition)}`);
  if (slurm.qos) options.push(`--qos=${quoted(slurm.qos)}`);
  if (slurm.mem) options.push(`--mem=${slurm.mem}`);
  options.push(...slurm.sbatch_args);
  return options.map((o) => `#SBATCH ${o}`);
}
