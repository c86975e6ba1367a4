/**
 * What a pipeline child process tells the harness over IPC. The pipeline runs in its own process so
 * that the farm and the client do not share an event loop (each gets a core, as a real client and
 * real servers would), so that a run can be stopped at a deadline, and so that every run starts
 * with a fresh process (no warm connection pools or caches carried over).
 */

/** One controller epoch as the harness keeps it: small, so thousands of hosts stay cheap to send. */
export interface EpochMessage {
  readonly type: 'epoch';
  /** The epoch's time (ms since the Unix epoch). */
  readonly nowMs: number;
  /** 2xx answers received during the epoch, all hosts together. */
  readonly ok: number;
  /** The watched hosts' global limit for the coming epoch. */
  readonly limits: Readonly<Record<string, number>>;
}

/** The pipeline's own summary once runPipeline returns. */
export interface PipelineSummary {
  readonly successes: number;
  readonly errors: number;
  readonly rejected: number;
  readonly errorsByClass: Readonly<Record<string, number>>;
  readonly transientErrors: number;
  readonly batches: { readonly total: number; readonly completed: number };
  /** Seconds of the download stage (all rounds) and images per second over them. */
  readonly downloadSeconds: number;
  readonly imagesPerSecond: number;
}

export interface ResultMessage {
  readonly type: 'result';
  readonly summary: PipelineSummary;
}

export type ChildMessage = EpochMessage | ResultMessage;

/** What the harness passes to the child on its command line, as JSON. */
export interface ChildRequest {
  readonly configPath: string;
  /** server_names whose limit and in-flight are reported every epoch. */
  readonly watch: readonly string[];
}
