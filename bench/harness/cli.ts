#!/usr/bin/env node
/**
 * The benchmark harness:
 *   node dist/bench/harness/cli.js --scenario <name> [--algorithms a,b,…] [--json out.json] [options]
 * Downloads the scenario's URL list once per client (the pipeline under each controller policy, and
 * aria2c), prints one table of figures, and writes an HTML report.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { IMAGE_ENCODINGS, type ImageEncoding } from '../../src/engine/options.js';
import { positiveOption, scenarioOption, wholeOption } from '../args.js';
import { SCENARIO_NAMES, type ScenarioName } from '../farm/index.js';
import { writeReport } from '../report/html.js';
import { CLIENT_NAMES, isClientName, methodNotes, runBenchmark, type ClientName } from './bench.js';
import { FIGURE_KEYS } from './figures.js';
import { outDir } from './paths.js';
import { exitOnSignals } from './signals.js';
import { formatTable } from './table.js';

interface CliOptions {
  scenario: ScenarioName;
  algorithms: ClientName[];
  json?: string;
  report?: string;
  out?: string;
  seed: number;
  scale: number;
  encoding: ImageEncoding;
  ceiling?: number;
  maxSeconds: number;
  aria2Concurrency: number;
  keepOutput: boolean;
}

function clientNames(value: string): ClientName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isClientName(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`unknown: ${unknown.join(', ') || '(none given)'}; expected some of ${CLIENT_NAMES.join(', ')}`);
  }
  return names as ClientName[];
}

function encoding(value: string): ImageEncoding {
  const e = IMAGE_ENCODINGS.find((x) => x === value);
  if (!e) throw new InvalidArgumentError(`expected one of ${IMAGE_ENCODINGS.join(', ')}`);
  return e;
}

const program = new Command()
  .name('bench')
  .description('Benchmark the download controller against the mock server farm.')
  .requiredOption('--scenario <name>', `one of: ${SCENARIO_NAMES.join(', ')}`, scenarioOption)
  .option('--algorithms <list>', `comma-separated, some of: ${CLIENT_NAMES.join(', ')}`, clientNames, [...CLIENT_NAMES])
  .option('--json <file>', 'write the figures as JSON, one object per client')
  .option('--report <file>', 'HTML report (default <out>/report.html)')
  .option('--out <dir>', 'folder for runs and report (default out/bench/<scenario>)')
  .option('--seed <n>', 'scenario seed', wholeOption(0), 1)
  .option('--scale <x>', 'scenario scale (URL counts)', positiveOption, 1)
  .option('--encoding <e>', `image.encoding of the pipeline runs: ${IMAGE_ENCODINGS.join(', ')}`, encoding, 'original')
  .option('--ceiling <images/s>', 'client ceiling to use instead of measuring it first', positiveOption)
  .option('--max-seconds <s>', 'stop a client still downloading after this long', positiveOption, 150)
  .option('--aria2-concurrency <n>', 'aria2c downloads at once (-j)', wholeOption(1), 64)
  .option('--keep-output', 'keep every run\'s downloaded output', false);

async function main(): Promise<void> {
  const opts = program.parse().opts<CliOptions>();
  exitOnSignals();
  const out = path.resolve(opts.out ?? outDir('bench', opts.scenario));
  const result = await runBenchmark({
    scenario: { name: opts.scenario, seed: opts.seed, scale: opts.scale },
    clients: opts.algorithms,
    encoding: opts.encoding,
    outDir: out,
    maxSeconds: opts.maxSeconds,
    ...(opts.ceiling === undefined ? {} : { ceiling: opts.ceiling }),
    aria2Concurrency: opts.aria2Concurrency,
    keepOutput: opts.keepOutput,
    log: (line) => console.error(line),
  });
  const runs = result.runs.map((r) => r.result);
  console.log(formatTable(runs, result.skipped));
  if (opts.json) {
    const figures = runs.map(({ figures }) => Object.fromEntries(FIGURE_KEYS.map((k) => [k, figures[k]])));
    await writeFile(opts.json, JSON.stringify(figures, null, 2) + '\n');
    console.log(`json ${path.resolve(opts.json)}`);
  }
  const report = await writeReport(opts.report ?? path.join(out, 'report.html'), {
    ...result,
    title: `distributed-downloader benchmark: ${opts.scenario}`,
    notes: methodNotes(result, opts.maxSeconds),
  });
  console.log(`report ${report}`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
