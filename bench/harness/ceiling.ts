/**
 * The client machine's own ceiling, measured in the same benchmark run (DESIGN §9): the pipeline
 * with the run's image settings against the scenario's own hosts made ample (capacity 512, ~2 ms
 * service, no queue limit or token bucket), serving a quarter of the scenario's image URLs (the
 * same image sizes and formats, over as many hosts and batches), under the `fixed` policy at a
 * rate no host limits, so neither the hosts nor a controller hold it back. Sizes and host count
 * both move the ceiling: large photos cost more to hash and write, and every host has its batch
 * files and connections. The ceiling is the steady rate of that run: half of its images ÷ the time
 * between the 25 % and 75 % marks of the farm's 200 answers, which leaves out opening batches and
 * connections at the start and the last stragglers at the end.
 */
import type { ImageEncoding } from '../../src/engine/options.js';
import { buildScenario, hostSpec, planScenario, type ScenarioPlan } from '../farm/index.js';
import type { Client } from './client-run.js';
import { pipelineClient } from './pipeline-client.js';
import type { RunRecord, ScenarioChoice } from './run.js';
import { timeOfCount } from './series.js';

/** Share of the scenario's image URLs the ceiling run fetches: several seconds, short next to the runs it serves. */
export const CEILING_SHARE = 0.25;
/** Requests/s per host for the `fixed` policy: far above what the client can send. */
const UNLIMITED_RATE = 100_000;
const AMPLE = hostSpec({ label: 'ample', capacity: 512, service: { medianMs: 2, sigma: 0.2 } });

/** The scenario's answering hosts, each ample, each with every 1/CEILING_SHARE-th of its plain image URLs (one at least). */
export function ceilingPlan(scenario: ScenarioChoice): ScenarioPlan {
  const plan = buildScenario(scenario.name, { seed: scenario.seed, scale: scenario.scale });
  const step = Math.round(1 / CEILING_SHARE);
  const drafts = plan.hosts
    .filter((h) => !h.spec.refuse)
    .map((h) => h.urls.filter((u) => u.kind === 'img'))
    .filter((urls) => urls.length > 0)
    .map((urls) => ({ spec: AMPLE, urls: urls.filter((_, i) => i % step === 0) }));
  return planScenario(`ceiling-${plan.name}`, plan.seed, drafts);
}

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
