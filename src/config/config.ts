/**
 * The whole configuration schema and its type. The controller, engine and image sections are
 * derived from the defaults declared beside their options interfaces; keys the Python tool already
 * has elsewhere (image_size, default_rate_limit, rate_multiplier) are taken from there and not
 * repeated.
 */
import { z } from 'zod';
import { ALGORITHMS, DEFAULT_CONTROLLER_OPTIONS, type ControllerOptions } from '../controller/options.js';
import { ENGINE_DEFAULTS, FAIL_ON_LEVELS, IMAGE_DEFAULTS, IMAGE_ENCODINGS, type EngineOptions, type ImageOptions } from '../engine/options.js';
import { baseConfigSchema } from './schema.js';
import { schemaFromDefaults } from './from-defaults.js';

function omit<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Omit<T, K> {
  const out = { ...value };
  for (const k of keys) delete out[k];
  return out;
}

const controllerSchema = schemaFromDefaults(
  { ...DEFAULT_CONTROLLER_OPTIONS, fixed: omit(DEFAULT_CONTROLLER_OPTIONS.fixed, ['default_rate_limit', 'rate_multiplier']) },
  { algorithm: z.enum(ALGORITHMS).default(DEFAULT_CONTROLLER_OPTIONS.algorithm), epoch_ms: z.number().int().min(10).default(1000) },
) as z.ZodType<Omit<ControllerOptions, 'fixed'> & { fixed: Omit<ControllerOptions['fixed'], 'default_rate_limit' | 'rate_multiplier'> }>;

/** Headers the HTTP client manages itself; undici refuses requests that set them. */
const RESERVED_HEADERS = ['connection', 'host', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer'];
const timeout = (key: keyof EngineOptions) => z.number().int().min(1).default(ENGINE_DEFAULTS[key] as number);

const engineSchema = schemaFromDefaults(ENGINE_DEFAULTS, {
  connect_timeout_ms: timeout('connect_timeout_ms'),
  ttfb_timeout_ms: timeout('ttfb_timeout_ms'),
  body_stall_timeout_ms: timeout('body_stall_timeout_ms'),
  total_timeout_ms: timeout('total_timeout_ms'),
  max_inflight: z.number().int().min(1).default(ENGINE_DEFAULTS.max_inflight),
  max_pending_results: z.number().int().min(1).default(ENGINE_DEFAULTS.max_pending_results),
  max_retries: z.number().int().min(0).default(ENGINE_DEFAULTS.max_retries),
  max_redirects: z.number().int().min(0).default(ENGINE_DEFAULTS.max_redirects),
  user_agent: z.string().min(1).default(ENGINE_DEFAULTS.user_agent),
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name (letters, digits, -)').refine(
        (name) => !RESERVED_HEADERS.includes(name.toLowerCase()),
        `not one of the headers the client sets itself (${RESERVED_HEADERS.join(', ')})`,
      ),
      z.string().regex(/^[^\r\n]*$/, 'a header value without line breaks'),
    )
    .default({}),
}) as z.ZodType<EngineOptions>;

const imageSchema = schemaFromDefaults(omit(IMAGE_DEFAULTS, ['image_size']), {
  encoding: z.enum(IMAGE_ENCODINGS).default(IMAGE_DEFAULTS.encoding),
  fail_on: z.enum(FAIL_ON_LEVELS).default(IMAGE_DEFAULTS.fail_on),
  quality: z.number().int().min(1).max(100).default(IMAGE_DEFAULTS.quality),
  concurrency: z.number().int().min(0).default(IMAGE_DEFAULTS.concurrency),
}) as z.ZodType<Omit<ImageOptions, 'image_size'>>;

/** How the download stage runs batches and rounds. */
export const downloadSchema = z
  .strictObject({
    /**
     * Download rounds in one run: after the first, batches with transient errors (429, 5xx, timeouts,
     * resets) are retried, up to this many rounds in all. `--retry-errors` adds one more.
     */
    max_rounds: z.number().int().min(1).default(3),
    /** Batches a rank downloads at once (more batches, more hosts in parallel; more memory). */
    open_batches: z.number().int().min(1).default(8),
    /** The most one rank asks of one host's budget per epoch. */
    demand_cap: z.number().int().min(1).default(256),
  })
  .prefault({});

/** Running on several ranks under mpirun/srun (README "Running on several ranks"). */
export const mpiSchema = z
  .strictObject({
    /**
     * Combine every shared host's statistics over the ranks each epoch, so all ranks compute one
     * limit and take shares of it. `false` gives each rank its own controller for every host (N
     * independent clients that together can overload a host): only for comparisons and tests.
     */
    synchronize: z.boolean().default(true),
    /**
     * Longest wait, in seconds, for the other ranks at an epoch exchange or the end of a download
     * round; after it the job is aborted (a rank died or hangs). 0 = no limit.
     */
    timeout_s: z.number().min(0).default(300),
    /**
     * Longest wait, in seconds, of the other ranks while rank 0 runs the stages that run once
     * (initialize, profile, schedule, verify); initialization of a large input can take hours. 0 = no limit.
     */
    stage_timeout_s: z.number().min(0).default(0),
  })
  .prefault({});

/** Prometheus metrics (README "Metrics"): off unless `port` is set. */
export const metricsSchema = z
  .strictObject({
    /**
     * Rank r serves `/metrics` on this port + r and writes `metrics/targets-rank-<NNNN>.json` for
     * Prometheus's file_sd. 0 = a free port picked per rank (the target file says which). Default
     * null: no metrics.
     */
    port: z.number().int().min(0).max(65_535).nullable().default(null),
    /** Address the endpoints listen on. Default loopback; `0.0.0.0` to be scraped from another machine (the target file then names this machine). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Hosts with series of their own, per rank (the busiest recently); the rest are summed under `host="_other"`. Default 20. */
    max_hosts: z.number().int().min(1).default(20),
  })
  .prefault({});

export const configSchema = baseConfigSchema.extend({
  controller: controllerSchema,
  engine: engineSchema,
  image: imageSchema,
  download: downloadSchema,
  mpi: mpiSchema,
  metrics: metricsSchema,
});
export type Config = z.output<typeof configSchema>;
