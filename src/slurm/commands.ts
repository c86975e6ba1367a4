/**
 * Running Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel). They talk to the
 * cluster's controller, which can be slow to answer on a busy login node, hence the generous time
 * limit; one that never answers must still not hang the command line forever.
 */
import { execFile } from 'node:child_process';

/** A Slurm command that failed or could not be started; `missing` when it is not installed here. */
export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
  constructor(
    message: string,
    readonly missing: boolean,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Longest wait for one command. */
const TIMEOUT_MS = 60_000;

/** Runs `command args…` and resolves with its standard output. */
export function slurmCommand(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const detail = missing ? 'not found on PATH' : stderr.trim() || err.message;
      reject(new SlurmCommandError(`${command} ${args.join(' ')}: ${detail}`, missing, stderr));
    });
  });
}

/** Whether `command` can be run here (Slurm's clients answer `--version` without the controller). */
export async function hasSlurmCommand(command: string): Promise<boolean> {
  try {
    await slurmCommand(command, ['--version']);
    return true;
  } catch {
    return false;
  }
}
