/** checkpoint.json: which stages are done and which round the download is in. Written atomically. */
import { promises as fs } from 'node:fs';
import { writeJsonAtomic } from '../io/atomic.js';

export interface Checkpoint {
  /** Initialization finished: the urls folder and rejected.parquet are complete. */
  batched: boolean;
  /** profiles.csv is complete. */
  profiled: boolean;
  /** The round whose schedule is complete, or null when none is. */
  scheduled_round: number | null;
  /** Number of ranks the current schedule was made for. */
  scheduled_ranks: number | null;
  /** The current download round (0-based). */
  round: number;
  /** The last round whose download finished on every rank. */
  downloaded_round: number | null;
  /** The last round verified, with what it found (to tell whether a round made progress). */
  verified: { round: number; completed: number; transient: number } | null;
  /** Every batch is done and no retry round is due. */
  finished: boolean;
  /** The Slurm jobs last submitted for this output (`--executor slurm`), or null when none were. */
  slurm: SlurmSubmission | null;
}

/** One submission of the pipeline as chained Slurm jobs, in submission order. */
export interface SlurmSubmission {
  /** Number of the submission (1, 2, …): its filled job scripts are under `slurm/<NNNN>/`. */
  number: number;
  /** When it was submitted (ISO 8601). */
  submitted_at: string;
  jobs: { stage: string; job_id: string }[];
}

export const EMPTY_CHECKPOINT: Readonly<Checkpoint> = {
  batched: false,
  profiled: false,
  scheduled_round: null,
  scheduled_ranks: null,
  round: 0,
  downloaded_round: null,
  verified: null,
  finished: false,
  slurm: null,
};

export async function readCheckpoint(file: string): Promise<Checkpoint> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_CHECKPOINT };
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<Checkpoint>;
  return { ...EMPTY_CHECKPOINT, ...parsed };
}

export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await writeJsonAtomic(file, checkpoint);
}
