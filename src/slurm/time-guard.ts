/**
 * The end of a Slurm job seen from the download (DESIGN §8): some time before the job's end a rank
 * stops opening batches, and closer still it abandons the ones it has open, so that the job ends
 * by itself (exit 0, nothing half-written) before Slurm kills it and the next chained job
 * continues. Without a known end (no Slurm, or no time limit) the download is never cut short.
 */

/** What a download may still do: everything, finish its open batches, or nothing more. */
export type TimePhase = 'run' | 'stop' | 'abandon';

export interface TimeGuardOptions {
  /** Seconds before the job's end after which no new batch is opened. */
  stop_before_end_s: number;
  /** Seconds before the job's end at which open batches are abandoned (downloaded again later). */
  abandon_before_end_s: number;
}

export class TimeGuard {
  constructor(
    /** The job's end, ms since the Unix epoch; null when unknown. */
    readonly endMs: number | null,
    private readonly opts: TimeGuardOptions,
  ) {}

  /**
   * From SLURM_JOB_END_TIME (Unix seconds). Slurm versions that do not set it (22.05 does not) get it
   * from the job templates, which ask squeue once per job.
   */
  static fromEnvironment(opts: TimeGuardOptions, env: NodeJS.ProcessEnv = process.env): TimeGuard {
    const raw = env.SLURM_JOB_END_TIME?.trim();
    return new TimeGuard(raw && /^\d+$/.test(raw) ? Number(raw) * 1000 : null, opts);
  }

  /**
   * The phase at `nowMs`. It only moves forward in time, so ranks that decide on the same agreed
   * clock (the epoch exchange's) all decide alike.
   */
  phase(nowMs: number): TimePhase {
    if (this.endMs === null) return 'run';
    const left = this.endMs - nowMs;
    if (left <= this.opts.abandon_before_end_s * 1000) return 'abandon';
    if (left <= this.opts.stop_before_end_s * 1000) return 'stop';
    return 'run';
  }
}
