/**
 * A benchmark: the client ceiling, then every requested client on a fresh farm of the scenario, and
 * the figures of each run.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALGORITHMS } from '../../src/controller/options.js';
import type { ImageEncoding } from '../../src/engine/options.js';
import { ARIA2C, aria2Client, ensureAria2 } from './aria2.js';
import { ceilingClient, ceilingPlan, raisedCeiling } from './ceiling.js';
import type { ScenarioPlan } from '../farm/index.js';
import type { Client } from './client-run.js';
import { imagesPerSecond, runFigures, runSeconds, type RunFigures } from './figures.js';
import { pipelineClient } from './pipeline-client.js';
import { runScenario, type RunRecord, type ScenarioChoice } from './run.js';
import type { SkippedClient } from './table.js';

export const CLIENT_NAMES = [...ALGORITHMS, ARIA2C] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export function isClientName(name: string): name is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(name);
}

export interface BenchmarkOptions {
  readonly scenario: ScenarioChoice;
  readonly clients: readonly ClientName[];
  readonly encoding: ImageEncoding;
  /** Run folders go to `<outDir>/runs/<client>`. */
  readonly outDir: string;
  /** Longest a client may download, seconds. */
  readonly maxSeconds: number;
  /** The client ceiling in images/s; measured first when absent. */
  readonly ceiling?: number;
  /** aria2c's downloads at once. */
  readonly aria2Concurrency: number;
  /** Keep each run's downloaded output (otherwise deleted once measured: a run can hold gigabytes). */
  readonly keepOutput: boolean;
  readonly log: (line: string) => void;
}

export interface MeasuredRun {
  readonly record: RunRecord;
  readonly result: RunFigures;
}

export interface BenchmarkResult {
  readonly scenario: ScenarioChoice;
  readonly encoding: ImageEncoding;
  readonly ceiling: { readonly imagesPerSecond: number; readonly measured: boolean };
  readonly runs: readonly MeasuredRun[];
  readonly skipped: readonly SkippedClient[];
}

function clientFor(name: ClientName, options: BenchmarkOptions, skipped: SkippedClient[]): Client | null {
  if (name !== ARIA2C) return pipelineClient(name, { algorithm: name, encoding: options.encoding });
  const reason = ensureAria2(options.log);
  if (reason === null) return aria2Client(options.aria2Concurrency);
  skipped.push({ client: name, reason });
  options.log(`aria2c: skipped: ${reason}`);
  return null;
}

/** Runs a client, keeping its own status lines in `<runDir>/client.log`. */
async function measure(
  scenario: ScenarioChoice,
  client: Client,
  runDir: string,
  options: BenchmarkOptions,
  plan?: ScenarioPlan,
): Promise<RunRecord> {
  const lines: string[] = [];
  try {
    return await runScenario(scenario, client, { runDir, maxSeconds: options.maxSeconds, log: (l) => lines.push(l) }, plan);
  } finally {
    await writeFile(path.join(runDir, 'client.log'), lines.join('\n') + '\n').catch(() => undefined);
  }
}

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const { scenario, log } = options;
  const runsDir = path.join(options.outDir, 'runs');
  let ceiling = options.ceiling;
  if (ceiling === undefined) {
    log(`client ceiling: pipeline (fixed policy, no rate limit, encoding ${options.encoding}) on ${scenario.name}'s hosts made ample …`);
    const record = await measure(scenario, ceilingClient(options.encoding), path.join(runsDir, 'ceiling'), options, ceilingPlan(scenario));
    ceiling = imagesPerSecond(record.client);
    if (!(ceiling > 0)) throw new Error('the client ceiling run downloaded nothing; see its client.log');
    log(`client ceiling: ${ceiling.toFixed(0)} images/s`);
    if (!options.keepOutput) await rm(record.client.outputDir, { recursive: true, force: true });
  }

  const records: RunRecord[] = [];
  const skipped: SkippedClient[] = [];
  for (const name of options.clients) {
    const client = clientFor(name, options, skipped);
    if (!client) continue;
    log(`${name}: downloading ${scenario.name} (seed ${scenario.seed}, scale ${scenario.scale}) …`);
    const record = await measure(scenario, client, path.join(runsDir, name), options);
    if (record.load.average > record.load.cores) {
      log(`${name}: warning: the machine was busy (load average ${record.load.average.toFixed(1)} on ${record.load.cores} cores); figures are skewed`);
    }
    records.push(record);
    log(
      `${name}: ${record.client.images} images in ${runSeconds(record.client).toFixed(1)} s (${imagesPerSecond(record.client).toFixed(1)}/s)` +
        `${record.client.finished ? '' : ', stopped at the deadline'}`,
    );
    if (!options.keepOutput) await rm(record.client.outputDir, { recursive: true, force: true });
  }
  const raised = raisedCeiling(ceiling, records);
  if (raised.by !== undefined) {
    log(`client ceiling: ${raised.by} ran faster than the calibration run (${raised.ceiling.toFixed(0)} images/s), which is the ceiling then`);
    ceiling = raised.ceiling;
  }
  const runs: MeasuredRun[] = records.map((record) => ({ record, result: runFigures(record, ceiling) }));
  return { scenario, encoding: options.encoding, ceiling: { imagesPerSecond: ceiling, measured: options.ceiling === undefined }, runs, skipped };
}

/** How this benchmark came about, for the report. */
export function methodNotes(result: BenchmarkResult, maxSeconds: number): string[] {
  const notes = [
    'Each client ran against a new farm (fresh queues, token buckets and counters) and wrote to a new folder; ' +
      'the farm ran in the harness process and the pipeline in a child process of its own, on the same machine.',
    `A client still downloading after ${maxSeconds} s was stopped; its figures cover the time until then.`,
    'The pipeline ran with the tool\'s defaults except: engine.allow_private_addresses (the farm is on loopback), ' +
      'one download round (download.max_rounds 1; retries within the round as configured), every batch open at once ' +
      '(download.open_batches, so every host is worked on from the start as the oracle assumes), ' +
      'suppress_unchanged_error, and the image settings below.',
  ];
  notes.push(
    result.encoding === 'original'
      ? 'image.encoding original with image_size 4096: the downloaded bytes are stored as they are (only the header is ' +
          'read), so image processing does not hide the controller (DESIGN §9).'
      : `image.encoding ${result.encoding}: every image is decoded, resized and re-encoded, so the client ceiling is the CPU.`,
  );
  notes.push(
    result.ceiling.measured
      ? `The client ceiling C = ${result.ceiling.imagesPerSecond.toFixed(0)} images/s was measured first in the same run: ` +
          `the pipeline with the same image settings against the scenario's own hosts made ample (capacity 512, ~2 ms service, ` +
          `no queue limit or token bucket), fetching all its image URLs (the same sizes and formats), ` +
          'under the fixed policy at 100,000 requests/s per host, so only the machine limits it; ' +
          'C is that run\'s rate over its whole time (opening batches and writing their last row groups included, ' +
          'as for every client), or the rate of a pipeline client that ran faster still. ' +
          'The oracle is then limited by min(Σ host oracle, C) at every moment (see "oracle").'
      : Number.isFinite(result.ceiling.imagesPerSecond)
        ? `The client ceiling C = ${result.ceiling.imagesPerSecond.toFixed(0)} images/s was given, not measured.`
        : 'No client ceiling was applied: the hosts\' capacities alone define the oracle.',
  );
  return notes;
}
