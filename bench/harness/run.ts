/**
 * One benchmark run: a fresh farm for the scenario, its URL list, a client downloading it in a fresh
 * folder while the recorder watches the farm, then the farm stopped.
 */
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { buildScenario, startFarm, type ScenarioName, type ScenarioPlan } from '../farm/index.js';
import type { Client, ClientRun } from './client-run.js';
import { FarmRecorder, type FarmRecord } from './farm-recorder.js';
import { sampleHosts } from './host-sample.js';

export interface ScenarioChoice {
  readonly name: ScenarioName;
  readonly seed: number;
  readonly scale: number;
}

export interface RunRecord {
  readonly scenario: ScenarioChoice;
  readonly client: ClientRun;
  readonly farm: FarmRecord;
  /** server_names of the hosts plotted. */
  readonly watched: readonly string[];
  /**
   * The machine's 1-minute load average when the run started, and its cores: farm and client share
   * the machine, so anything else running skews the figures.
   */
  readonly load: { readonly average: number; readonly cores: number };
}

export interface RunOptions {
  /** Deleted and made anew: every run starts from an empty folder. */
  readonly runDir: string;
  /** Longest the client may download, seconds. */
  readonly maxSeconds: number;
  readonly log: (line: string) => void;
}

/** Peak in-flight counts after this many seconds of the client's run are reported apart from startup. */
export const SETTLE_SECONDS = 5;

/** Runs `client` on a fresh farm of `plan`, by default the scenario's own. */
export async function runScenario(
  scenario: ScenarioChoice,
  client: Client,
  options: RunOptions,
  plan: ScenarioPlan = buildScenario(scenario.name, { seed: scenario.seed, scale: scenario.scale }),
): Promise<RunRecord> {
  const load = { average: loadavg()[0]!, cores: availableParallelism() };
  await rm(options.runDir, { recursive: true, force: true });
  await mkdir(options.runDir, { recursive: true });
  // A new farm per run: no queue, token bucket or held connection carries over from the last client.
  const farm = await startFarm(plan);
  try {
    const urlList = path.join(options.runDir, 'urls.tsv');
    await farm.writeUrlList(urlList);
    const watched = sampleHosts(farm.stats({ series: false }).hosts);
    const recorder = new FarmRecorder(farm, 1000 * SETTLE_SECONDS);
    recorder.start();
    try {
      const run = await client.run({
        urlList,
        runDir: options.runDir,
        watch: watched,
        deadlineMs: Date.now() + 1000 * options.maxSeconds,
        onStart: (startMs) => recorder.clientStarted(startMs),
        log: options.log,
      });
      return { scenario, client: run, farm: recorder.finish(), watched, load };
    } finally {
      recorder.stop();
    }
  } finally {
    await farm.stop();
  }
}
