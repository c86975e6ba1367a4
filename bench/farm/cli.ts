#!/usr/bin/env node
/**
 * Runs a scenario's farm until SIGINT/SIGTERM:
 *   node dist/bench/farm/cli.js --scenario <name> [--out dir] [--seed n] [--scale x] [--port p] [--stats-port p]
 * Writes the URL list and prints `urls <path>` and `stats <url>` lines for a harness to read.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { startFarm } from './farm.js';
import { positiveOption, scenarioOption, wholeOption } from '../args.js';
import { buildScenario, describeScenario, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

/** A fixed default port keeps the URL list, and so the downloader's server names, the same run after run. */
const DEFAULT_PORT = 18080;
/** How long shutdown may take before the process exits anyway. */
const STOP_GRACE_MS = 5000;

interface CliOptions {
  scenario: ScenarioName;
  out: string;
  seed: number;
  scale: number;
  port: number;
  statsPort: number;
}

const program = new Command()
  .name('farm')
  .description('Mock web-server farm: virtual hosts with known capacities on loopback addresses.')
  .requiredOption('--scenario <name>', `one of: ${SCENARIO_NAMES.join(', ')}`, scenarioOption)
  .option('--out <dir>', 'folder for the URL list', 'bench/.cache/farm')
  .option('--seed <n>', 'scenario seed', wholeOption(0), 1)
  .option('--scale <x>', 'URL-count scale', positiveOption, 1)
  .option('--port <p>', 'port shared by all hosts (0: any free port)', wholeOption(0), DEFAULT_PORT)
  .option('--stats-port <p>', 'stats endpoint port on 127.0.0.1 (0: any free port)', wholeOption(0), 0);

async function main(): Promise<void> {
  const opts = program.parse().opts<CliOptions>();
  const plan = buildScenario(opts.scenario, { seed: opts.seed, scale: opts.scale });
  const farm = await startFarm(plan, { port: opts.port, statsPort: opts.statsPort });
  const scale = opts.scale === 1 ? '' : `-scale${opts.scale}`;
  const file = resolve(opts.out, `${plan.name}-seed${plan.seed}${scale}-port${farm.port}.tsv`);
  await farm.writeUrlList(file);
  const { totals } = farm.stats({ series: false });
  console.log(`scenario ${plan.name} (seed ${plan.seed}, scale ${opts.scale}): ${describeScenario(opts.scenario)}`);
  console.log(`hosts ${totals.hosts}, urls ${totals.urls}, oracle ${totals.oracleRps.toFixed(1)} requests/s`);
  console.log(`urls ${file}`);
  console.log(`stats ${farm.statsUrl}`);

  const shutdown = (): void => {
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    void farm.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === 'EADDRINUSE'
      ? ' (port taken: pass --port 0 or another port)'
      : code === 'EMFILE'
        ? ' (too many open files: raise `ulimit -n`)'
        : '';
  console.error(`farm: ${err instanceof Error ? err.message : String(err)}${hint}`);
  process.exit(1);
});
