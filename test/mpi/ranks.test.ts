/**
 * The pipeline on 1, 2 and 4 ranks under real mpirun: the same input gives the same successes and
 * errors; a hot host's batches are spread over several ranks, the tail owned by single ranks, and
 * the ranks get about equal work. A launch by the wrong launcher is refused.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { startFarm, type Farm } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { assertEveryRowOnce, mixedPlan, uuidsOf } from './farm-plans.js';
import { mpirun, requireMpi } from './mpirun.js';

requireMpi();

const dir = tempDir('dd-mpi-ranks-');
const farm: Farm = await startFarm(mixedPlan());
after(() => farm.stop());
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const expected = farm.rows.map((r) => r.uuid);

function configFor(name: string): { config: string; out: string } {
  const out = path.join(dir, name);
  const config = writeYaml(path.join(dir, `${name}.yaml`), {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: 50, image_size: 224 },
    input: { small_server_urls: 5 },
    schedule_rules: { '4': 4, '1': 1 },
    image: { encoding: 'original' },
    engine: { allow_private_addresses: true, max_redirects: 3 },
    controller: { epoch_ms: 250 },
    download: { max_rounds: 1, open_batches: 2 },
  });
  return { config, out };
}

interface ScheduleRow {
  rank: number;
  server: string;
  rows: number;
}

function scheduleOf(out: string): ScheduleRow[] {
  const lines = readFileSync(path.join(out, 'schedules', '0000', 'schedule.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [rank, server, , rows] = l.split(',');
    return { rank: Number(rank), server: server!, rows: Number(rows) };
  });
}

const outcomes = new Map<number, { successes: string[]; errors: string[] }>();

for (const ranks of [1, 2, 4]) {
  test(`the download on ${ranks} rank${ranks > 1 ? 's' : ''}: every row exactly once`, async () => {
    const { config, out } = configFor(`ranks-${ranks}`);
    const result = await mpirun(ranks, DOWNLOADER_BIN, [config], {}, 90_000);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`schedule: round 0: \\d+ batches \\(${expected.length} URLs\\) over ${ranks} ranks`));
    // Only rank 0 speaks: each stage is reported once.
    assert.equal(result.stdout.match(/^verify: round 0/gm)?.length, 1, result.stdout);
    await assertEveryRowOnce(out, expected);
    outcomes.set(ranks, { successes: await uuidsOf(out, 'successes.parquet'), errors: await uuidsOf(out, 'errors.parquet') });

    const schedule = scheduleOf(out);
    const hot = farm.stats().hosts[0]!.serverName;
    const hotRanks = new Set(schedule.filter((a) => a.server === hot).map((a) => a.rank));
    assert.equal(hotRanks.size, ranks, `the hot host's batches are on ranks ${[...hotRanks].join(', ')}`);
    const owners = new Map<string, Set<number>>();
    for (const a of schedule) if (a.server !== hot) owners.set(a.server, (owners.get(a.server) ?? new Set()).add(a.rank));
    for (const [server, set] of owners) if (server !== '_small') assert.equal(set.size, 1, `${server} is owned by one rank`);
    const load = Array.from({ length: ranks }, (_, r) => schedule.filter((a) => a.rank === r).reduce((n, a) => n + a.rows, 0));
    const mean = load.reduce((a, b) => a + b, 0) / ranks;
    assert.ok(Math.max(...load) <= 1.2 * mean, `rows per rank ${load.join(', ')}`);
  });
}

test('1, 2 and 4 ranks give the same successes and the same errors', () => {
  const one = outcomes.get(1);
  assert.ok(one && outcomes.size === 3, 'the three runs above finished');
  assert.ok(one.successes.length > 0 && one.errors.length > 0);
  for (const ranks of [2, 4]) assert.deepEqual(outcomes.get(ranks), one, `${ranks} ranks differ from 1`);
});

test('several processes that MPI sees as worlds of one are refused (wrong launcher)', async () => {
  const { config, out } = configFor('wrong-launcher');
  const result = await runCliBin(DOWNLOADER_BIN, [config], { PMI_SIZE: '4' });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /the launcher started 4 processes \(PMI_SIZE=4\) but MPI .* sees a world of 1/);
  assert.throws(() => readFileSync(path.join(out, 'checkpoint.json')), 'nothing was started');
});
