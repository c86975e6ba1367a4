/**
 * `node dist/bench/sim/run.js [--seconds 300] [--ranks 400] [--hosts 545] [--urls 200000000]
 *  [--algorithms adaptive,aimd,paarc,fixed] [--seed 1]`
 *
 * The Python tool's production case in virtual time: every controller policy against the same
 * modeled hosts, R ranks exchanging statistics each epoch. Prints one row per policy.
 */
import { parseArgs } from 'node:util';
import { configSchema } from '../../src/config/config.js';
import { ALGORITHMS, DEFAULT_CONTROLLER_OPTIONS, type AlgorithmName } from '../../src/controller/options.js';
import { positiveNumber } from '../args.js';
import { simulate, type SimReport } from './simulate.js';
import { oracleRps, productionWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    ranks: { type: 'string', default: '400' },
    hosts: { type: 'string', default: '545' },
    urls: { type: 'string', default: '200000000' },
    algorithms: { type: 'string', default: ALGORITHMS.join(',') },
    seed: { type: 'string', default: '1' },
  },
});

const algorithms = values.algorithms.split(',').map((a) => {
  if (!(ALGORITHMS as readonly string[]).includes(a)) throw new Error(`unknown algorithm ${a}; known: ${ALGORITHMS.join(', ')}`);
  return a as AlgorithmName;
});
// The configuration's own defaults: schedule_rules, batch size, starting rate, demand cap, burst.
const defaults = configSchema.parse({ path_to_input: 'in', path_to_output: 'out' });
const workload = productionWorkload({
  hosts: positiveNumber('hosts', values.hosts),
  urls: positiveNumber('urls', values.urls),
  ranks: positiveNumber('ranks', values.ranks),
  seed: positiveNumber('seed', values.seed),
  batchSize: defaults.downloader_parameters.batch_size,
  scheduleRules: defaults.schedule_rules,
});

const pairs = workload.pairs.reduce((n, p) => n + p.length, 0);
const shared = workload.pairs.filter((p) => p.length > 1).length;
const oracle = workload.hosts.reduce((r, h) => r + oracleRps(h), 0);
const capacities = workload.hosts.map((h) => h.capacity).sort((a, b) => a - b);
console.log(
  `${workload.hosts.length} hosts, ${values.urls} URLs, ${values.ranks} ranks: ${shared} hosts shared by several ranks ` +
    `(${pairs} host-rank pairs); capacities ${capacities[0]}…${capacities.at(-1)} (median ${capacities[capacities.length >> 1]}), ` +
    `oracle ${Math.round(oracle)} requests/s; ${values.seconds} virtual s, epoch ${DEFAULT_CONTROLLER_OPTIONS.epoch_ms} ms`,
);

const cell = (v: number | undefined, digits = 1): string => (v === undefined ? 'never' : v.toFixed(digits));
const header = [
  'algorithm',
  'goodput/oracle',
  'steady half',
  'overload /10k req',
  'all hosts 90 % at s',
  'host 90 % p50 / p90 s',
  'never 90 %',
  'in-flight/C p50 / p90',
  'epochs > 1.1·C+1',
  'max Σshares/L',
  'wall s',
];
const rows: string[][] = [];
for (const algorithm of algorithms) {
  const r: SimReport = simulate(workload, {
    algorithm,
    seconds: positiveNumber('seconds', values.seconds),
    epochMs: DEFAULT_CONTROLLER_OPTIONS.epoch_ms,
    slices: 10,
    initialRate: defaults.downloader_parameters.default_rate_limit,
    demandCap: defaults.download.demand_cap,
    overloadBurst: defaults.engine.overload_burst,
    seed: positiveNumber('seed', values.seed),
  });
  rows.push([
    r.algorithm,
    `${(100 * r.goodput).toFixed(1)} %`,
    `${(100 * r.goodputSteady).toFixed(1)} %`,
    cell(r.overloadPer10k),
    cell(r.convergeAllS, 0),
    `${cell(r.convergeHostP50S, 0)} / ${cell(r.convergeHostP90S, 0)}`,
    String(r.hostsNeverConverged),
    `${cell(r.inflightOverCapacityP50, 2)} / ${cell(r.inflightOverCapacityP90, 2)}`,
    `${(100 * r.epochsOverBound).toFixed(1)} %`,
    r.maxShareOverLimit.toFixed(3),
    r.wallS.toFixed(1),
  ]);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
