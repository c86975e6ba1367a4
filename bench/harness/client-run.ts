/** What every client (a pipeline run or aria2c) hands back to the harness, whatever it is. */
import type { PipelineSummary } from './messages.js';

export interface EpochSample {
  /** Wall-clock ms (Date.now()). */
  readonly atMs: number;
  /** 2xx answers received in the epoch. */
  readonly ok: number;
  /** The controller's global limit of each watched host. */
  readonly limits: Readonly<Record<string, number>>;
}

export interface ClientRun {
  /** `adaptive`, `aimd`, `paarc`, `fixed`, `aria2c`, … */
  readonly client: string;
  /** Wall-clock ms when the client began downloading (for the pipeline: its download stage). */
  readonly startMs: number;
  /** Wall-clock ms when it finished downloading, or was stopped at the deadline. */
  readonly endMs: number;
  /** Images it stored. */
  readonly images: number;
  /** False when the deadline stopped it. */
  readonly finished: boolean;
  /** Controller epochs (pipeline only). */
  readonly epochs: readonly EpochSample[];
  /** The pipeline's verification summary, when the pipeline ran to its end. */
  readonly summary?: PipelineSummary;
  /** Where the client wrote its output. */
  readonly outputDir: string;
  /** Things a reader of the results should know about this run. */
  readonly notes: readonly string[];
}

/** Something that downloads a URL list while the harness watches the farm. */
export interface Client {
  readonly name: string;
  run(input: ClientInput): Promise<ClientRun>;
}

export interface ClientInput {
  /** The scenario's URL list (TSV with a header line, columns as bench/farm/url-list.ts writes them). */
  readonly urlList: string;
  /** A fresh folder for this run's output. */
  readonly runDir: string;
  /** server_names whose per-epoch limit is recorded. */
  readonly watch: readonly string[];
  /** Wall-clock ms after which the run is stopped. */
  readonly deadlineMs: number;
  /** Called once the client has started downloading (wall-clock ms), so the harness can time its phases. */
  readonly onStart: (startMs: number) => void;
  /** Where the client's own status lines go. */
  readonly log: (line: string) => void;
}
