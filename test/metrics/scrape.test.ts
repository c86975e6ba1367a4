/**
 * End to end: a real Prometheus discovers a 2-rank run (mpirun) through the run's file_sd target
 * files, scrapes both ranks during the download, and then holds each shared host's limit and
 * in-flight series for both ranks with plausible values.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostSpec, planScenario, startFarm, type UrlSpec } from '../../bench/farm/index.js';
import { OUTPUT_LABEL } from '../../src/metrics/index.js';
import { DOWNLOADER_BIN, waitCli } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { requireMpi, startMpirun } from '../mpi/mpirun.js';
import { dashboardQueries } from './dashboard.js';
import { requirePrometheus, startPrometheus, type QueryResult } from './prometheus.js';

requirePrometheus();
requireMpi();

const images = (n: number): UrlSpec[] => Array.from({ length: n }, () => ({ kind: 'img', variant: 'small' }));
// Two hosts at about 80 and 20 requests/s: both take ~15 s, long enough for many 1 s scrapes after
// Prometheus picks the targets up (file_sd changes reach the scrapers ~5 s later).
const farm = await startFarm(
  planScenario('metrics-scrape', 11, [
    { spec: hostSpec({ label: 'wide', capacity: 8, service: { medianMs: 100, sigma: 0.1 } }), urls: images(1200) },
    { spec: hostSpec({ label: 'narrow', capacity: 2, service: { medianMs: 100, sigma: 0.1 } }), urls: images(300) },
  ]),
);
after(() => farm.stop());
const hosts = farm.stats().hosts.map((h) => h.serverName);

const dir = tempDir('dd-metrics-scrape-');
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const out = path.join(dir, 'out');
const config = writeYaml(path.join(dir, 'config.yaml'), {
  path_to_input: input,
  path_to_output: out,
  downloader_parameters: { batch_size: 50 },
  // Every host with 2 batches or more is spread over both ranks, so both ranks hold both hosts.
  schedule_rules: { '2': 2, '1': 1 },
  image: { encoding: 'original' },
  engine: { allow_private_addresses: true },
  download: { max_rounds: 1 },
  metrics: { port: 0 },
});

const targets = path.join(out, 'metrics');
const prometheus = await startPrometheus(dir, path.join(targets, 'targets-rank-*.json'));
after(() => prometheus.stop());

/** Series by rank label. */
function byRank(results: QueryResult[]): Map<string, number> {
  return new Map(results.map((r) => [r.metric.rank ?? '?', Number(r.value[1])]));
}

test('Prometheus finds both ranks through file_sd and holds per-host limit and in-flight for each', async (t) => {
  const child = startMpirun(2, DOWNLOADER_BIN, [config]);
  // Only if the test failed half-way: mpirun passes SIGTERM on to its ranks.
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM')));
  const finished = waitCli(child, 90_000);

  // Both ranks list themselves while they run, each with its own live endpoint.
  let files: string[] = [];
  for (let i = 0; i < 200 && files.length < 2; i++) {
    await sleep(100);
    files = existsSync(targets) ? readdirSync(targets).filter((f) => /^targets-rank-\d{4}\.json$/.test(f)).sort() : [];
  }
  assert.deepEqual(files, ['targets-rank-0000.json', 'targets-rank-0001.json']);
  const listedAt = Date.now();
  const groups = files.map((f) => JSON.parse(readFileSync(path.join(targets, f), 'utf8')) as { targets: string[]; labels: Record<string, string> }[]);
  for (const [group] of groups) {
    assert.deepEqual(group!.labels, { [OUTPUT_LABEL]: out }, 'no target label that a metric label also uses (rank, host)');
    const res = await fetch(`http://${group!.targets[0]}/metrics`);
    assert.equal(res.status, 200);
  }

  const result = await finished;
  assert.equal(result.code, 0, result.stderr);
  // Half-way between the targets' appearance and the end: Prometheus scrapes, the download runs.
  const midRun = (listedAt + Date.now()) / 2000;
  assert.deepEqual(readdirSync(targets).filter((f) => f.endsWith('.json')), [], 'target files are removed on a clean exit');

  const window = '[10m]';
  const scrapes = await prometheus.query(`count_over_time(up{job="distributed-downloader"}${window})`);
  assert.equal(scrapes.length, 2, 'one target per rank');
  t.diagnostic(`scrapes per rank: ${scrapes.map((s) => s.value[1]).join(', ')}`);
  for (const s of scrapes) assert.ok(Number(s.value[1]) >= 3, `a few scrapes of ${s.metric.instance}: ${s.value[1]}`);
  assert.deepEqual(await prometheus.query(`{exported_rank!=""}`), [], 'no label was renamed by a collision');

  for (const host of hosts) {
    const limit = await prometheus.query(`max_over_time(downloader_host_limit_requests{host="${host}"}${window})`);
    const inflight = await prometheus.query(`max_over_time(downloader_host_inflight_requests{host="${host}"}${window})`);
    for (const r of [...limit, ...inflight]) assert.equal(r.metric[OUTPUT_LABEL], out, 'series carry the target label');
    const limits = byRank(limit);
    const inflights = byRank(inflight);
    assert.deepEqual([...limits.keys()].sort(), ['0', '1'], `${host}: a limit series per rank`);
    assert.deepEqual([...inflights.keys()].sort(), ['0', '1'], `${host}: an in-flight series per rank`);
    for (const rank of ['0', '1']) {
      const l = limits.get(rank)!;
      const f = inflights.get(rank)!;
      t.diagnostic(`${host} rank ${rank}: highest limit ${l}, highest in-flight ${f.toFixed(2)}`);
      assert.ok(l >= 1, `${host} rank ${rank}: limit ${l} ≥ 1`);
      assert.ok(f > 0 && f <= l, `${host} rank ${rank}: 0 < in-flight ${f} ≤ limit ${l}`);
    }
  }

  const images = await prometheus.query(`max_over_time(downloader_images_stored_total${window})`);
  const stored = [...byRank(images).values()].reduce((a, b) => a + b, 0);
  assert.ok(stored > 0, `images counted: ${stored}`);

  // Every dashboard query is valid PromQL, and the panels of a healthy run show data mid-run
  // (this farm has no errors, blocks or pacing, so those panels stay empty).
  const shown = new Set<string>();
  for (const { panel, expr } of dashboardQueries()) {
    if ((await prometheus.query(expr, midRun)).length > 0) shown.add(panel);
  }
  for (const panel of ['Limit vs in flight, per host', 'Throughput per host', 'Bytes per host', 'Time to first byte, median and p95', 'Images per second', 'Batches', 'Event-loop lag (p99)', 'Memory']) {
    assert.ok(shown.has(panel), `dashboard panel "${panel}" shows data mid-run`);
  }
});
