/**
 * Every output path derives from here (DESIGN §4): no other code joins output paths.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';

/** Hive-style escaping of a folder value: every character outside `A-Za-z0-9._-` becomes %XX (UTF-8 bytes). */
export function hiveEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function hiveUnescape(value: string): string {
  return decodeURIComponent(value);
}

/** The packed folder for servers with few URLs; `_` cannot start a real host name, so it never collides. */
export const SMALL_SERVERS = '_small';

export const STAGES = ['initialize', 'profile', 'schedule', 'download', 'verify'] as const;
export type Stage = (typeof STAGES)[number];

export class Layout {
  readonly root: string;
  readonly urls: string;
  readonly images: string;
  readonly logs: string;
  readonly schedules: string;
  readonly tools: string;
  readonly profiles: string;
  readonly ignored: string;
  readonly checkpoint: string;
  readonly rejected: string;
  readonly summary: string;
  readonly metrics: string;
  /** Scratch space for initialization; removed when it finishes. */
  readonly initScratch: string;
  /** Where initialization builds the urls folder before renaming it into place. */
  readonly urlsStaging: string;

  constructor(config: Pick<LoadedConfig, 'path_to_output' | 'output_structure'>) {
    const o = config.output_structure;
    this.root = config.path_to_output;
    const at = (name: string) => path.join(this.root, name);
    this.urls = at(o.urls_folder);
    this.images = at(o.images_folder);
    this.logs = at(o.logs_folder);
    this.schedules = at(o.schedules_folder);
    this.tools = at(o.tools_folder);
    this.profiles = at(o.profiles_table);
    this.ignored = at(o.ignored_table);
    this.checkpoint = at(o.inner_checkpoint_file);
    this.rejected = at('rejected.parquet');
    this.summary = at('summary.json');
    this.metrics = at('metrics');
    this.initScratch = at('.initialize-scratch');
    this.urlsStaging = at(`.${o.urls_folder}.staging`);
  }

  /** `server_name=<escaped>/partition_id=<k>` relative to the urls and images folders. */
  static partitionDir(serverName: string, partitionId: number): string {
    return path.join(`server_name=${hiveEscape(serverName)}`, `partition_id=${partitionId}`);
  }

  urlsBatch(serverName: string, partitionId: number, base = this.urls): string {
    return path.join(base, Layout.partitionDir(serverName, partitionId), 'urls.parquet');
  }

  imagesBatchDir(serverName: string, partitionId: number): string {
    return path.join(this.images, Layout.partitionDir(serverName, partitionId));
  }

  completedMarker(serverName: string, partitionId: number): string {
    return path.join(this.imagesBatchDir(serverName, partitionId), 'completed');
  }

  roundName(round: number): string {
    return String(round).padStart(4, '0');
  }

  scheduleDir(round: number): string {
    return path.join(this.schedules, this.roundName(round));
  }

  logFile(stage: Stage | string, round: number, rank: number): string {
    return path.join(this.logs, stage, this.roundName(round), `rank-${String(rank).padStart(4, '0')}.log`);
  }

  /** A rank's Prometheus file_sd target file, present while its /metrics endpoint is up. */
  metricsTargets(rank: number): string {
    return path.join(this.metrics, `targets-rank-${String(rank).padStart(4, '0')}.json`);
  }

  /** A filled job script of Slurm submission `submission` (1, 2, …), kept to show what was submitted. */
  slurmScript(submission: number, template: string): string {
    return path.join(this.root, 'slurm', this.roundName(submission), `${template}.sbatch`);
  }

  /** Where Slurm writes the output of a stage's jobs (the batch script's, and each rank's). */
  slurmLogDir(stage: string): string {
    return path.join(this.logs, 'slurm', stage);
  }

  /** The folder of one post-processing tool and the files it writes. */
  tool(name: string): ToolLayout {
    return new ToolLayout(this, name);
  }
}

/**
 * Everything one tool writes: its state under `tools/<tool>/`, and its staged rewrites beside the
 * batch they replace (a rename is only atomic within one file system).
 */
export class ToolLayout {
  readonly dir: string;
  readonly checkpoint: string;
  /** What the filter picked: `partitions.csv` and a selection file per batch. */
  readonly filter: string;
  readonly partitions: string;
  readonly schedule: string;
  /** Scratch space for filters (spill files); removed when the filter finishes. */
  readonly scratch: string;

  constructor(private readonly layout: Layout, readonly tool: string) {
    this.dir = path.join(layout.tools, tool);
    this.checkpoint = path.join(this.dir, 'checkpoint.json');
    this.filter = path.join(this.dir, 'filter');
    this.partitions = path.join(this.filter, 'partitions.csv');
    this.schedule = path.join(this.dir, 'schedule.csv');
    this.scratch = path.join(this.dir, '.scratch');
  }

  selection(serverName: string, partitionId: number): string {
    return path.join(this.filter, Layout.partitionDir(serverName, partitionId), 'selection.parquet');
  }

  /** One run of the runners: a reset of filtering or runners starts the next, so earlier trails stay. */
  runDir(run: number): string {
    return path.join(this.dir, 'runs', this.layout.roundName(run));
  }

  runSummary(run: number): string {
    return path.join(this.runDir(run), 'summary.json');
  }

  /** A batch the runner finished in this run. */
  doneRecord(run: number, serverName: string, partitionId: number): string {
    return path.join(this.runDir(run), 'done', `${Layout.partitionDir(serverName, partitionId)}.json`);
  }

  /** Written once a rewrite's new file and trail are complete, before the new file replaces the old one. */
  commitRecord(run: number, serverName: string, partitionId: number): string {
    return path.join(this.runDir(run), 'commits', `${Layout.partitionDir(serverName, partitionId)}.json`);
  }

  /** The rows a rewrite removed or replaced, as they were, with the reason. */
  trail(run: number, serverName: string, partitionId: number): string {
    return path.join(this.runDir(run), 'trail', Layout.partitionDir(serverName, partitionId), 'trail.parquet');
  }

  /** The rewritten successes file before it replaces the batch's own (hidden from `*.parquet` globs). */
  stagedSuccesses(serverName: string, partitionId: number): string {
    return path.join(this.layout.imagesBatchDir(serverName, partitionId), `.successes.${this.tool}.staged.parquet`);
  }

  /** The stage name under `logs/`: `tools/<tool>/<stage>`. */
  logStage(stage: string): string {
    return path.join('tools', this.tool, stage);
  }
}
