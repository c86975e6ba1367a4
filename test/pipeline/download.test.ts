import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { startFarm, buildScenario, type Farm } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, runCliBin, startCli, waitCli } from '../helpers/cli.js';
import { lit, query } from '../helpers/duckdb.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const farm: Farm = await startFarm(buildScenario('smoke', { seed: 3 }));
after(() => farm.stop());
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);

/** Short timeouts: the smoke farm has hosts that stall and never answer. */
function configFor(name: string, extra: Record<string, unknown> = {}): { config: string; out: string } {
  const out = path.join(dir, name);
  const config = writeYaml(path.join(dir, `${name}.yaml`), {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: 8, image_size: 64 },
    input: { small_server_urls: 3 },
    engine: { allow_private_addresses: true, connect_timeout_ms: 2000, ttfb_timeout_ms: 2000, body_stall_timeout_ms: 1500, total_timeout_ms: 8000, max_retries: 1, backoff_base_ms: 100, backoff_max_ms: 500 },
    controller: { epoch_ms: 200 },
    download: { max_rounds: 1, open_batches: 4 },
    ...extra,
  });
  return { config, out };
}

const successes = (out: string) => lit(path.join(out, 'images/*/*/successes.parquet'));
const errors = (out: string) => lit(path.join(out, 'images/*/*/errors.parquet'));

/** Every input uuid exactly once across successes, errors and rejected. */
async function assertEveryRowOnce(out: string): Promise<void> {
  const rows = await query(`
    select uuid, count(*) as n from (
      select uuid from read_parquet(${successes(out)}, hive_partitioning = false)
      union all select uuid from read_parquet(${errors(out)}, hive_partitioning = false)
      union all select uuid from read_parquet(${lit(path.join(out, 'rejected.parquet'))})
    ) group by uuid`);
  assert.equal(rows.length, farm.rows.length, 'every input row is accounted for');
  assert.deepEqual(rows.filter((r) => Number(r.n) !== 1), [], 'no row twice');
  const expected = new Set(farm.rows.map((r) => r.uuid));
  assert.ok(rows.every((r) => expected.has(String(r.uuid))));
}

test('a download against the farm: schemas as designed, hashes and sizes right, every row once', async () => {
  const { config, out } = configFor('jpeg');
  const result = await runCliBin(DOWNLOADER_BIN, [config]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /verify: round 0: \d+\/\d+ batches/);
  await assertEveryRowOnce(out);

  const schema = await query(`describe select * from read_parquet(${successes(out)}, hive_partitioning = false)`);
  assert.deepEqual(schema.map((c) => `${String(c.column_name)} ${String(c.column_type)}`), [
    'uuid VARCHAR', 'source_id VARCHAR', 'identifier VARCHAR', 'is_license_full BOOLEAN', 'license VARCHAR', 'source VARCHAR',
    'title VARCHAR', 'original_size BIGINT[]', 'resized_size BIGINT[]', 'hashsum_original VARCHAR', 'hashsum_resized VARCHAR',
    'image BLOB', 'server_name VARCHAR',
  ]);
  const errSchema = await query(`describe select * from read_parquet(${errors(out)}, hive_partitioning = false)`);
  assert.deepEqual(errSchema.map((c) => `${String(c.column_name)} ${String(c.column_type)}`), [
    'uuid VARCHAR', 'identifier VARCHAR', 'retry_count BIGINT', 'error_code BIGINT', 'error_msg VARCHAR', 'error_class VARCHAR', 'server_name VARCHAR',
  ]);
  // Every batch folder has both files and its marker, also batches with no successes or no errors.
  for (const folder of readdirSync(path.join(out, 'images'))) {
    for (const partition of readdirSync(path.join(out, 'images', folder))) {
      assert.deepEqual(readdirSync(path.join(out, 'images', folder, partition)).sort(), ['completed', 'errors.parquet', 'successes.parquet']);
    }
  }

  const rows = await query(`select uuid, identifier, original_size, resized_size, hashsum_resized, image from read_parquet(${successes(out)}, hive_partitioning = false)`);
  assert.ok(rows.length >= 40, `only ${rows.length} images`);
  for (const r of rows.slice(0, 20)) {
    const image = Buffer.from(r.image as Uint8Array);
    assert.equal(createHash('md5').update(image).digest('hex'), r.hashsum_resized, 'hashsum_resized is the MD5 of the stored bytes');
    const meta = await sharp(image).metadata();
    const [h, w] = (r.resized_size as bigint[]).map(Number) as [number, number];
    assert.deepEqual([meta.height, meta.width], [h, w], 'resized_size is [height, width] of the stored image');
    assert.ok(Math.max(h, w) <= 64, 'longer side at most image_size');
    const [oh, ow] = (r.original_size as bigint[]).map(Number) as [number, number];
    assert.ok(Math.abs(oh / ow - h / w) < 0.05, 'aspect ratio kept');
  }
  // The farm's MD5 of what it served equals hashsum_original.
  const original = await query(`select identifier, hashsum_original from read_parquet(${successes(out)}, hive_partitioning = false) limit 5`);
  for (const r of original) {
    const body = Buffer.from(await (await fetch(String(r.identifier))).arrayBuffer());
    assert.equal(createHash('md5').update(body).digest('hex'), r.hashsum_original);
  }
  const classes = await query(`select error_class, error_code::INTEGER as error_code, count(*)::INTEGER as n from read_parquet(${errors(out)}, hive_partitioning = false) group by all order by 1`);
  assert.ok(classes.some((c) => c.error_class === 'not_found' && Number(c.error_code) === 404), JSON.stringify(classes));
});

test('raw_bgr stores height × width × 3 bytes per image', async () => {
  const { config, out } = configFor('bgr', { image: { encoding: 'raw_bgr' } });
  const result = await runCliBin(DOWNLOADER_BIN, [config]);
  assert.equal(result.code, 0, result.stderr);
  const rows = await query(
    `select resized_size[1] * resized_size[2] * 3 as expected, octet_length(image) as actual from read_parquet(${successes(out)}, hive_partitioning = false)`,
  );
  assert.ok(rows.length > 0);
  for (const r of rows) assert.equal(Number(r.actual), Number(r.expected));
});

test('a download killed with SIGKILL at several points and re-run: every row exactly once', async () => {
  for (const delay of [300, 900, 1800]) {
    const { config, out } = configFor(`killed-${delay}`);
    const child = startCli(DOWNLOADER_BIN, [config]);
    const done = waitCli(child);
    await sleep(delay);
    child.kill('SIGKILL');
    await done;
    const rerun = await runCliBin(DOWNLOADER_BIN, [config]);
    assert.equal(rerun.code, 0, rerun.stderr);
    await assertEveryRowOnce(out);
    const files = await query(`select count(*) as n from read_parquet(${successes(out)}, hive_partitioning = false, filename = true)`);
    assert.ok(Number(files[0]!.n) > 0);
  }
});
