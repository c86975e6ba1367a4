/**
 * The harness end to end: the real CLI on the `smoke` scenario with one pipeline client, then every
 * URL of the list found exactly once across successes, errors and rejected rows (read with DuckDB),
 * the JSON with exactly the agreed keys and finite numbers, and a report with plots. Nothing here
 * asserts on speed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { FIGURE_KEYS } from '../../bench/harness/figures.js';
import { REPO_ROOT } from '../../bench/harness/paths.js';
import { lit, query } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist', 'bench', 'harness', 'cli.js');

test('bench CLI on smoke: every URL accounted for once, JSON figures, HTML report', async () => {
  const dir = tempDir('dd-bench-');
  const json = path.join(dir, 'figures.json');
  const { stdout } = await run(process.execPath, [
    CLI, '--scenario', 'smoke', '--algorithms', 'adaptive', '--ceiling', '1000',
    '--max-seconds', '120', '--json', json, '--out', dir, '--keep-output',
  ]);
  assert.match(stdout, /^algorithm\s+images\/s\s+goodput/m);
  assert.match(stdout, /^adaptive\s/m);
  // The host behind the peak ratio, named as the downloader names servers.
  assert.match(stdout, /^adaptive: peak\/cap from [\w-]+ host 127\.0\.\d+\.\d+:\d+: \d+ in flight, capacity \d+$/m);

  const figures = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>[];
  assert.equal(figures.length, 1);
  assert.deepEqual(Object.keys(figures[0]!), [...FIGURE_KEYS]);
  assert.equal(figures[0]!.algorithm, 'adaptive');
  for (const key of FIGURE_KEYS.slice(1)) {
    const v = figures[0]![key];
    assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${key} = ${String(v)}`);
  }

  const runDir = path.join(dir, 'runs', 'adaptive');
  const output = path.join(runDir, 'output');
  const images = path.join(output, 'images', '*', '*');
  const rows = await query(`
    with listed as (select uuid from read_csv(${lit(path.join(runDir, 'urls.tsv'))}, delim = '\t', header = true, all_varchar = true)),
         found as (
           select uuid, 'success' as kind from read_parquet(${lit(path.join(images, 'successes.parquet'))}, hive_partitioning = false)
           union all select uuid, 'error' from read_parquet(${lit(path.join(images, 'errors.parquet'))}, hive_partitioning = false)
           union all select uuid, 'rejected' from read_parquet(${lit(path.join(output, 'rejected.parquet'))}))
    select (select count(*) from listed) as listed,
           (select count(*) from found) as found,
           (select count(distinct uuid) from found) as distinct_found,
           (select count(*) from listed where uuid not in (select uuid from found)) as missing,
           (select count(*) from found where uuid not in (select uuid from listed)) as unknown,
           (select count(*) from found where kind = 'success') as successes`);
  const r = rows[0]!;
  assert.ok(Number(r.listed) > 0);
  assert.equal(Number(r.found), Number(r.listed), 'each URL once: as many rows found as listed');
  assert.equal(Number(r.distinct_found), Number(r.listed), 'no URL twice');
  assert.equal(Number(r.missing), 0);
  assert.equal(Number(r.unknown), 0);
  assert.ok(Number(r.successes) > 0);

  const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /<svg[\s\S]*<\/svg>/);
  assert.match(html, /controller limit/);
  assert.match(html, /goodput_ratio/);
});
