/**
 * The configuration schema: every key, its type, its default and what values are allowed.
 * The Python distributed-downloader's keys are accepted as they are (see README "Coming from
 * the Python tool"); new sections hold what the adaptive design adds.
 */
import { z } from 'zod';
import { parseSlurmTime } from '../slurm/time.js';

const int = (min: number) => z.number().int().min(min);
const positive = () => z.number().gt(0);
const nonNegative = () => z.number().min(0);

/** Folder and file names inside `path_to_output` (Python tool: `output_structure`). */
export const outputStructureSchema = z
  .strictObject({
    urls_folder: z.string().min(1).default('urls'),
    logs_folder: z.string().min(1).default('logs'),
    images_folder: z.string().min(1).default('images'),
    schedules_folder: z.string().min(1).default('schedules'),
    profiles_table: z.string().min(1).default('profiles.csv'),
    ignored_table: z.string().min(1).default('ignored.csv'),
    inner_checkpoint_file: z.string().min(1).default('checkpoint.json'),
    tools_folder: z.string().min(1).default('tools'),
  })
  .prefault({});

const loggerLevel = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR', 'CRITICAL', 'FATAL']));

export const downloaderParametersSchema = z
  .strictObject({
    /** Download rounds (local) or chained download jobs (Slurm). */
    num_downloads: int(1).default(1),
    /** Nodes a Slurm download job asks for. */
    max_nodes: int(1).default(20),
    /** MPI ranks per node. */
    workers_per_node: int(1).default(20),
    /** CPUs per rank. */
    cpu_per_worker: int(1).default(1),
    /**
     * `true`/`false`: whether the TSV/CSV input has a header line. A string (the Python tool's older
     * meaning) is an extra HTTP request header line `Name: value`; the input then has a header line.
     */
    header: z.union([z.boolean(), z.string().regex(/^[^:\r\n]+:[^\r\n]*$/, 'a header line "Name: value"')]).default(true),
    /** Longer side of stored images, in pixels. */
    image_size: int(1).default(224),
    logger_level: loggerLevel.default('INFO'),
    /** URLs per batch (one `partition_id` folder). */
    batch_size: int(1).default(10_000),
    /** Width of the `fixed` controller's rate band around `default_rate_limit`, as a fraction. */
    rate_multiplier: nonNegative().default(0.5),
    /** Starting requests per second per server: the profiler writes it to profiles.csv; it seeds the controller. */
    default_rate_limit: positive().default(3),
  })
  .prefault({});

export const toolsParametersSchema = z
  .strictObject({
    num_workers: int(1).default(1),
    max_nodes: int(1).default(10),
    workers_per_node: int(1).default(20),
    cpu_per_worker: int(1).default(1),
    /** size_based: drop images whose smaller original side is below this many pixels. */
    threshold_size: int(0).default(10_000),
    /** resize: shrink stored images whose longer side is above this. */
    new_resize_size: int(1).default(224),
    /** Modules (paths or package names) that register custom tools; loaded in every stage on every rank. */
    plugins: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

export const INPUT_FORMATS = ['auto', 'tsv', 'csv', 'parquet', 'jsonl'] as const;
export const CANONICAL_COLUMNS = ['uuid', 'identifier', 'source_id', 'license', 'source', 'title'] as const;

export const inputSchema = z
  .strictObject({
    /** `auto` picks by extension (.tsv/.txt, .csv, .parquet, .jsonl/.ndjson, each optionally .gz). */
    format: z.enum(INPUT_FORMATS).default('auto'),
    /**
     * Input column name → one of uuid, identifier, source_id, license, source, title
     * (e.g. GBIF's `gbifID: source_id`). Unmapped columns keep their names and are carried along.
     */
    column_map: z.record(z.string().min(1), z.enum(CANONICAL_COLUMNS)).default({}),
    /**
     * Servers with fewer URLs than this are packed together into shared batches under
     * `server_name=_small`, so a long tail of hosts does not make a folder per URL. 0 disables packing.
     */
    small_server_urls: int(0).default(100),
    /**
     * Memory for initialization's write buffers before they spill to temporary files, in MiB. Larger
     * is barely faster: buffered rows outlive the young generation, so the heap grows by several
     * times this before the garbage collector returns it.
     */
    spill_buffer_mib: int(1).default(8),
    /**
     * Worker threads that build and encode initialization's batch files while the main thread reads
     * and routes rows. 0 = one per core the process may use (os.availableParallelism()).
     */
    workers: int(0).default(0),
  })
  .prefault({});

/** Where the pipeline runs: here (one process, or the ranks of mpirun/srun), or as chained Slurm jobs. */
export const EXECUTORS = ['local', 'slurm'] as const;

/** MPI plugins for srun: `pmix` for OpenMPI, `pmi2` for MPICH and Intel MPI. */
export const SRUN_MPI_PLUGINS = ['pmix', 'pmi2'] as const;

/**
 * The Slurm executor's jobs (README "Running under Slurm"). Keys left out take their value from the
 * Python tool's keys where it has one (`account`, `downloader_parameters.max_nodes`,
 * `workers_per_node`, `cpu_per_worker`) or are not passed to sbatch at all (the cluster's default).
 */
export const slurmSchema = z
  .strictObject({
    /** sbatch --account. Default: the top-level `account`; none when neither is set. */
    account: z.string().min(1).optional(),
    /** sbatch --partition. Default: the cluster's default partition. */
    partition: z.string().min(1).optional(),
    /** sbatch --qos. Default: the account's default QOS. */
    qos: z.string().min(1).optional(),
    /** Time limit of each job, in sbatch's notation (`90`, `4:00:00`, `1-12:00:00`). Default 12:00:00. */
    time: z
      .string()
      .refine((t) => parseSlurmTime(t) !== null, 'a Slurm time limit such as "90" (minutes), "4:00:00" or "1-12:00:00"')
      .default('12:00:00'),
    /** Nodes of each download job. Default: downloader_parameters.max_nodes. */
    nodes: int(1).optional(),
    /** MPI ranks per node of each download job. Default: downloader_parameters.workers_per_node. */
    ntasks_per_node: int(1).optional(),
    /** CPUs of each rank (and of the one-task jobs). Default: downloader_parameters.cpu_per_worker. */
    cpus_per_task: int(1).optional(),
    /** sbatch --mem (memory per node, e.g. `16G`). Default: the cluster's default. */
    mem: z.string().regex(/^\d+[KMGT]?$/i, 'a size such as "4000" (MB) or "16G"').optional(),
    /** srun --mpi for the ranks. Default pmix. */
    mpi: z.enum(SRUN_MPI_PLUGINS).default('pmix'),
    /** Shell lines run at the start of every job, before the tool (module loads, environment activation). Default none. */
    setup: z.array(z.string()).default([]),
    /** Extra sbatch options for every job, one option a string (e.g. `--constraint=ib`). Default none. */
    sbatch_args: z.array(z.string().regex(/^--?[A-Za-z]/, 'an sbatch option such as "--constraint=ib"')).default([]),
    /** Folder with your own copies of the job templates (relative to this file). Default: the package's `slurm/` folder. */
    templates: z.string().min(1).optional(),
    /** Node.js executable the jobs run. Default: the one running the command that submits them. */
    node: z.string().min(1).optional(),
    /** Seconds before a job's end after which a download opens no new batch. Default 900. */
    stop_before_end_s: nonNegative().default(900),
    /** Seconds before a job's end at which a download abandons its unfinished batches (the next job downloads them again). Default 120. */
    abandon_before_end_s: nonNegative().default(120),
  })
  .refine((s) => s.abandon_before_end_s <= s.stop_before_end_s, {
    message: 'must not be larger than slurm.stop_before_end_s',
    path: ['abandon_before_end_s'],
  })
  .prefault({});

/** `schedule_rules`: remaining batches of a server → how many ranks may work on it at once. */
const scheduleRulesSchema = z
  .record(z.string().regex(/^\d+$/, 'a whole number of batches'), int(1))
  .default({ '5000': 40, '1000': 20, '500': 10, '200': 8, '100': 4, '50': 2, '1': 1 });

export const baseConfigSchema = z.strictObject({
  /** The URL list (TSV, CSV, Parquet or JSONL, optionally gzipped). Relative paths are taken from the config's folder. */
  path_to_input: z.string().min(1),
  /** Output folder; everything the tool writes goes below it. Alias: `path_to_output_folder`. */
  path_to_output: z.string().min(1),
  /** Slurm account (the Python tool's top-level key; `slurm.account` wins when both are set). */
  account: z.string().optional(),
  /** `local` (default): run here; `slurm`: submit the stages as chained Slurm jobs. The CLI's --executor overrides it. */
  executor: z.enum(EXECUTORS).default('local'),
  slurm: slurmSchema,
  output_structure: outputStructureSchema,
  downloader_parameters: downloaderParametersSchema,
  tools_parameters: toolsParametersSchema,
  input: inputSchema,
  schedule_rules: scheduleRulesSchema,
  /** Continue when a round makes no progress instead of stopping with an error (Python tool's key). */
  suppress_unchanged_error: z.boolean().default(false),
});

/** Keys accepted under another name: the Python tool's older spellings. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  path_to_output_folder: 'path_to_output',
  path_to_urls: 'path_to_input',
};
