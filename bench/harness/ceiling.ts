/**
 * The client machine's own ceiling, measured in the same benchmark run (DESIGN §9): the pipeline
 * with the run's image settings against the `uniform` farm (hosts with ample capacity and ~2 ms
 * service) under the `fixed` policy at a rate no host limits, so neither the hosts nor a controller
 * hold it back. The ceiling is the steady rate of that run: half of its images ÷ the time between
 * the 25 % and 75 % marks of the farm's 200 answers, which leaves out opening batches and
 * connections at the start and the last stragglers at the end.
 */
import type { ImageEncoding } from '../../src/engine/options.js';
import type { Client } from './client-run.js';
import { pipelineClient } from './pipeline-client.js';
import type { RunRecord } from './run.js';
import { timeOfCount } from './series.js';

/** 16,000 of uniform's 64,000 URLs: several seconds at the ceilings seen here, short next to the runs it serves. */
export const CEILING_SCALE = 0.25;
export const CEILING_SCENARIO = { name: 'uniform', seed: 1, scale: CEILING_SCALE } as const;
/** Requests/s per host for the `fixed` policy: far above what the client can send. */
const UNLIMITED_RATE = 100_000;

export function ceilingClient(encoding: ImageEncoding): Client {
  return pipelineClient('ceiling', {
    algorithm: 'fixed',
    encoding,
    overrides: { downloader_parameters: { default_rate_limit: UNLIMITED_RATE } },
  });
}

/** Images/s in the middle half of the calibration run; 0 when it got nothing. */
export function steadyRate(record: RunRecord): number {
  const samples = record.farm.samples;
  const total = samples.at(-1)?.ok ?? 0;
  const t25 = timeOfCount(samples, 0.25 * total);
  const t75 = timeOfCount(samples, 0.75 * total);
  if (total === 0 || t25 === null || t75 === null || t75 <= t25) return 0;
  return (500 * total) / (t75 - t25);
}
