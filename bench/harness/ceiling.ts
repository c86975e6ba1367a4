/**
 * The client machine's own ceiling, measured in the same benchmark run (DESIGN §9): the pipeline
 * with the run's image settings against the scenario's own hosts made ample (capacity 512, ~2 ms
 * service, no queue limit or token bucket), fetching every image URL of the scenario (the same
 * sizes and formats, over as many hosts and batches), under the `fixed` policy at a rate no host
 * limits, so neither the hosts nor a controller hold it back. Sizes and host count both move the
 * ceiling: large photos cost more to hash and write, and every host has its batch files and
 * connections.
 *
 * The ceiling is that run's rate over its whole time, timed as every run is (`imagesPerSecond`): what
 * this client does with this URL list when nothing but the machine limits it. Opening batches and
 * connections, and writing the last row groups of every batch at the end, are part of the same
 * work for any controller. A steady rate from the middle of the run left them out and was out of
 * reach: on `mixed` the calibration run itself took 1 / 0.757 times as long as that rate implied.
 */
import type { ImageEncoding } from '../../src/engine/options.js';
import { buildScenario, hostSpec, planScenario, type ScenarioPlan } from '../farm/index.js';
import { ARIA2C } from './aria2.js';
import type { Client } from './client-run.js';
import { imagesPerSecond } from './figures.js';
import { pipelineClient } from './pipeline-client.js';
import type { RunRecord, ScenarioChoice } from './run.js';

/** Requests/s per host for the `fixed` policy: far above what the client can send. */
const UNLIMITED_RATE = 100_000;
const AMPLE = hostSpec({ label: 'ample', capacity: 512, service: { medianMs: 2, sigma: 0.2 } });

/** The scenario's answering hosts, each ample, each with its plain image URLs. */
export function ceilingPlan(scenario: ScenarioChoice): ScenarioPlan {
  const plan = buildScenario(scenario.name, { seed: scenario.seed, scale: scenario.scale });
  const drafts = plan.hosts
    .filter((h) => !h.spec.refuse)
    .map((h) => h.urls.filter((u) => u.kind === 'img'))
    .filter((urls) => urls.length > 0)
    .map((urls) => ({ spec: AMPLE, urls }));
  return planScenario(`ceiling-${plan.name}`, plan.seed, drafts);
}

export function ceilingClient(encoding: ImageEncoding): Client {
  return pipelineClient('ceiling', {
    algorithm: 'fixed',
    encoding,
    overrides: { downloader_parameters: { default_rate_limit: UNLIMITED_RATE } },
  });
}

/**
 * Every pipeline run shows what this machine can do at least: the fastest one that beat the
 * calibration run is the better ceiling, so no client is credited with more than the oracle.
 * aria2c writes no Parquet, so its rate says nothing about the pipeline's. `by` names the client.
 */
export function raisedCeiling(ceiling: number, records: readonly RunRecord[]): { ceiling: number; by?: string } {
  let best: { ceiling: number; by?: string } = { ceiling };
  for (const record of records) {
    const rate = imagesPerSecond(record.client);
    if (record.client.client !== ARIA2C && rate > best.ceiling) best = { ceiling: rate, by: record.client.client };
  }
  return best;
}
