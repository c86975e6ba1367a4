import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DOWNLOADER_BIN, runCliBin, startCli, waitCli } from '../helpers/cli.js';
import { lit, query } from '../helpers/duckdb.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const input = path.join(dir, 'urls.tsv');

/** 120k rows: 40 big servers plus a long tail, a few bad rows and duplicates, enough for a few seconds of work. */
async function writeInput(): Promise<void> {
  const out = createWriteStream(input);
  out.write('uuid\tidentifier\tsource_id\n');
  for (let i = 0; i < 120_000; i++) {
    const host = i % 3 === 0 ? `tail${i}.example` : `big${i % 40}.example.org`;
    const uuid = i % 997 === 5 ? `u${i - 1}` : `u${i}`;
    const url = i % 1009 === 7 ? `gopher://${host}/${i}` : `https://${host}/img/${i}.jpg`;
    if (!out.write(`${uuid}\t${url}\ts${i}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function configFor(name: string): string {
  return writeYaml(path.join(dir, `${name}.yaml`), {
    path_to_input: input,
    path_to_output: path.join(dir, name),
    downloader_parameters: { batch_size: 1000 },
    input: { small_server_urls: 50, spill_buffer_mib: 4 },
  });
}

/** Everything initialization produced, in a canonical order, as text to compare. */
async function snapshot(name: string): Promise<{ files: string[]; accepted: string; rejected: string }> {
  const root = path.join(dir, name);
  const files = readdirSync(path.join(root, 'urls'), { recursive: true }).map(String).sort();
  const accepted = await query(
    `select string_agg(concat_ws('|', row_number, uuid, server_name, identifier, regexp_extract(filename, 'urls/(.*)/urls', 1)), ';' order by row_number) as s
     from read_parquet(${lit(path.join(root, 'urls/*/*/urls.parquet'))}, hive_partitioning = false, filename = true)`,
  );
  const rejected = await query(
    `select string_agg(concat_ws('|', row_number, reason, uuid), ';' order by row_number) as s from read_parquet(${lit(path.join(root, 'rejected.parquet'))})`,
  );
  return { files, accepted: String(accepted[0]!.s), rejected: String(rejected[0]!.s) };
}

test('initialization killed with SIGKILL at several points and re-run gives exactly the uninterrupted output', async () => {
  await writeInput();
  const started = Date.now();
  const clean = await runCliBin(DOWNLOADER_BIN, [configFor('clean'), '--stop-after', 'schedule']);
  assert.equal(clean.code, 0, clean.stderr);
  const duration = Date.now() - started;
  const expected = await snapshot('clean');
  assert.ok(expected.accepted.length > 0);

  let killedMidRun = 0;
  for (const fraction of [0.15, 0.35, 0.55, 0.75, 0.9]) {
    const name = `killed-${Math.round(fraction * 100)}`;
    const config = configFor(name);
    const child = startCli(DOWNLOADER_BIN, [config, '--stop-after', 'schedule']);
    const done = waitCli(child);
    await sleep(duration * fraction);
    child.kill('SIGKILL');
    const first = await done;
    if (first.signal === 'SIGKILL') killedMidRun++;
    const rerun = await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await snapshot(name), expected, `output after a kill at ${fraction * 100}% differs from the uninterrupted run`);
    assert.deepEqual(readdirSync(path.join(dir, name)).filter((f) => f.startsWith('.')), [], 'no scratch or staging left behind');
  }
  assert.ok(killedMidRun >= 3, `only ${killedMidRun} of the runs were still going when killed`);
});
