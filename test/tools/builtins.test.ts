import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { readParquetFile, writeParquetFile } from '../../src/io/parquet.js';
import { successesSchema as arrowSuccesses, tableFromRows, type Cell } from '../../src/pipeline/schemas.js';
import { runTool, type ToolResult } from '../../src/tools/index.js';
import { rowsOf, cellsOf } from '../../src/tools/rows.js';
import { lit, query } from '../helpers/duckdb.js';
import { downloadFixture, size, successesGlob, successesSchema, successRows, trailRows } from './fixture.js';

const fixture = await downloadFixture({
  hosts: [
    { small: 3, medium: 3, large: 2, png: 2, gif: 2 },
    { small: 2, medium: 3, large: 2, png: 2, gif: 3 },
    // Few URLs: packed into server_name=_small with rows of other servers.
    { medium: 2, png: 1 },
  ],
  repeatedUrls: 3,
  batchSize: 4,
  imageSize: 256,
});
const quiet = { say: () => {}, progress: { live: false, write: () => {} } };
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const before = await successRows(fixture.base);
const schemaBefore = await successesSchema(fixture.base);

test('the fixture download has every image, duplicates and a packed batch', () => {
  assert.equal(before.length, fixture.farm.rows.length + 3, 'every URL downloaded');
  assert.ok(readdirSync(path.join(fixture.base, 'images')).includes('server_name=_small'));
});

/** After a rewrite: same schema, markers count what the files hold, nothing staged or temporary left. */
async function assertConsistent(out: string): Promise<void> {
  assert.deepEqual(await successesSchema(out), schemaBefore, 'successes.parquet keeps its schema');
  const counts = await query(
    `select regexp_extract(filename, 'images/(.*)/successes', 1) as batch, count(uuid)::INTEGER as n
     from read_parquet(${successesGlob(out)}, hive_partitioning = false, filename = true) group by all`,
  );
  for (const { batch, n } of counts) {
    const marker = JSON.parse(readFileSync(path.join(out, 'images', String(batch), 'completed'), 'utf8')) as { successes: number };
    assert.equal(marker.successes, n, `${String(batch)}: the completed marker counts the rows left`);
  }
  const hidden = readdirSync(path.join(out, 'images'), { recursive: true }).map(String).filter((f) => path.basename(f).startsWith('.'));
  assert.deepEqual(hidden, [], 'no staged or temporary files left');
}

function assertCompleted(result: ToolResult, removed: number, replaced: number): void {
  assert.equal(result.completed, true);
  assert.equal(result.totals?.counts.removed ?? 0, removed);
  assert.equal(result.totals?.counts.replaced ?? 0, replaced);
}

test('size_based removes images whose smaller original side is below threshold_size, with a trail', async () => {
  const { config, out } = fixture.copy('size', { tools_parameters: { threshold_size: 150 } });
  const small = before.filter((r) => Math.min(...size(r.original_size)) < 150).map((r) => String(r.uuid));
  assert.ok(small.length >= 5 && small.length < before.length, `${small.length} small images`);

  const result = await runTool(config, 'size_based', quiet);
  assertCompleted(result, small.length, 0);
  const after = await successRows(out);
  assert.equal(after.length, before.length - small.length);
  assert.ok(after.every((r) => Math.min(...size(r.original_size)) >= 150));
  const trail = await trailRows(out, 'size_based', 'uuid, action, reason, detail, batch_server_name, hashsum_resized, image');
  assert.deepEqual(trail.map((r) => String(r.uuid)), [...small].sort());
  for (const r of trail) {
    assert.equal(r.action, 'removed');
    assert.equal(r.reason, 'too_small');
    assert.match(String(r.detail), /threshold_size 150/);
    assert.equal(md5(r.image as Uint8Array), r.hashsum_resized, 'the trail keeps the image itself');
  }
  await assertConsistent(out);

  const again = await runTool(config, 'size_based', quiet);
  assert.equal(again.completed, true);
  assert.equal(again.runner, undefined, 'a completed tool does not run again');
  assert.equal((await successRows(out)).length, after.length);
});

test('duplication_based keeps the first copy by server and partition and names it in the trail', async () => {
  const { config, out } = fixture.copy('dup');
  const ranked = await query(`
    with s as (
      select uuid, server_name, hashsum_original, cast(regexp_extract(filename, 'partition_id=(\\d+)', 1) as bigint) as partition_id
      from read_parquet(${successesGlob(fixture.base)}, hive_partitioning = false, filename = true))
    select uuid, first_value(uuid) over (partition by hashsum_original order by server_name, partition_id, uuid) as kept from s`);
  const keptOf = new Map(ranked.map((r) => [String(r.uuid), String(r.kept)]));
  const dropped = ranked.filter((r) => r.uuid !== r.kept).map((r) => String(r.uuid)).sort();
  const hashes = new Set(before.map((r) => r.hashsum_original)).size;
  assert.equal(hashes, 5, 'the farm serves five distinct images');

  const result = await runTool(config, 'duplication_based', quiet);
  assertCompleted(result, dropped.length, 0);
  const after = await successRows(out);
  assert.equal(after.length, hashes, 'one image per hash');
  assert.deepEqual(after.map((r) => String(r.uuid)).sort(), [...new Set(keptOf.values())].sort());
  const trail = await trailRows(out, 'duplication_based', 'uuid, reason, reference_uuid, detail');
  assert.deepEqual(trail.map((r) => String(r.uuid)), dropped);
  for (const r of trail) {
    assert.equal(r.reason, 'duplicate');
    assert.equal(r.reference_uuid, keptOf.get(String(r.uuid)));
    assert.match(String(r.detail), new RegExp(`duplicate of ${String(r.reference_uuid)}`));
  }
  await assertConsistent(out);
});

test('resize shrinks stored images above new_resize_size and updates resized_size and hashsum_resized', async () => {
  const { config, out } = fixture.copy('resize', { tools_parameters: { new_resize_size: 128 } });
  const big = before.filter((r) => Math.max(...size(r.resized_size)) > 128);
  assert.ok(big.length > 0 && big.length < before.length);

  const result = await runTool(config, 'resize', quiet);
  assertCompleted(result, 0, big.length);
  const after = new Map((await successRows(out, 'uuid, original_size, resized_size, hashsum_resized, image')).map((r) => [String(r.uuid), r]));
  assert.equal(after.size, before.length, 'no row removed');
  for (const old of before) {
    const now = after.get(String(old.uuid))!;
    const [h, w] = size(now.resized_size);
    assert.deepEqual(now.original_size, old.original_size);
    assert.equal(md5(now.image as Uint8Array), now.hashsum_resized, 'hashsum_resized is the MD5 of the new bytes');
    if (Math.max(...size(old.resized_size)) <= 128) {
      assert.equal(now.hashsum_resized, old.hashsum_resized, 'small images are left untouched');
      continue;
    }
    assert.equal(Math.max(h, w), 128);
    const meta = await sharp(now.image as Uint8Array).metadata();
    assert.deepEqual([meta.height, meta.width], [h, w], 'resized_size is the stored image size');
    const [oh, ow] = size(old.original_size);
    assert.ok(Math.abs(oh / ow - h / w) < 0.05, 'aspect ratio kept');
  }
  const trail = await trailRows(out, 'resize', 'uuid, action, reason, resized_size, hashsum_resized, image');
  assert.deepEqual(trail.map((r) => String(r.uuid)), big.map((r) => String(r.uuid)).sort());
  const oldByUuid = new Map(before.map((r) => [String(r.uuid), r]));
  for (const r of trail) {
    assert.equal(r.action, 'replaced');
    assert.equal(r.reason, 'resized');
    assert.equal(r.hashsum_resized, oldByUuid.get(String(r.uuid))!.hashsum_resized, 'the trail keeps the row as it was');
    assert.equal(md5(r.image as Uint8Array), r.hashsum_resized);
  }
  await assertConsistent(out);
});

/** Damages three rows of one batch in place: a flipped byte, a truncated image with a matching hash, a wrong size. */
async function damageBatch(out: string): Promise<Map<string, string>> {
  const folder = readdirSync(path.join(out, 'images')).find((f) => f !== 'server_name=_small')!;
  const file = path.join(out, 'images', folder, 'partition_id=0', 'successes.parquet');
  const rows = rowsOf(await readParquetFile(file));
  assert.ok(rows.length >= 3);
  const damaged = new Map<string, string>();
  const flipped = Uint8Array.from(rows[0]!.image as Uint8Array);
  flipped[flipped.length >> 1]! ^= 0xff;
  rows[0] = { ...rows[0]!, image: flipped };
  damaged.set(String(rows[0].uuid), 'hash_mismatch');
  const truncated = (rows[1]!.image as Uint8Array).slice(0, 200);
  rows[1] = { ...rows[1]!, image: truncated, hashsum_resized: md5(truncated) };
  damaged.set(String(rows[1].uuid), 'undecodable');
  rows[2] = { ...rows[2]!, resized_size: [7, 9] };
  damaged.set(String(rows[2].uuid), 'size_mismatch');
  await writeParquetFile(file, tableFromRows(arrowSuccesses, rows.map((r) => cellsOf(r, arrowSuccesses) as Cell[])));
  return damaged;
}

test('image_verification removes rows whose image does not match its hash, does not decode or has another size', async () => {
  const { config, out } = fixture.copy('verify');
  const damaged = await damageBatch(out);

  const result = await runTool(config, 'image_verification', quiet);
  assertCompleted(result, damaged.size, 0);
  const after = await successRows(out);
  assert.equal(after.length, before.length - damaged.size);
  assert.ok(after.every((r) => !damaged.has(String(r.uuid))));
  const trail = await trailRows(out, 'image_verification', 'uuid, reason, detail');
  assert.deepEqual(new Map(trail.map((r) => [String(r.uuid), String(r.reason)])), damaged);
  assert.ok(trail.every((r) => String(r.detail).length > 0), 'every removal says what was wrong');
  await assertConsistent(out);
  // Nothing else was rewritten: the batches without damage keep their files.
  const runs = readdirSync(path.join(out, 'tools/image_verification/runs/0000/commits'), { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
  assert.equal(runs.length, 1, 'only the damaged batch was rewritten');
});

test('--reset-runners starts a new run and keeps the earlier trail; --reset-filtering redoes the filter', async () => {
  const { config, out } = fixture.copy('resets', { tools_parameters: { threshold_size: 150 } });
  const first = await runTool(config, 'size_based', quiet);
  const removed = first.totals!.counts.removed!;
  const again = await runTool(config, 'size_based', { ...quiet, resetRunners: true });
  assert.equal(again.run, 1);
  assert.equal(again.completed, true);
  assert.equal(again.totals!.counts.removed ?? 0, 0, 'nothing left to remove');
  assert.equal((await trailRows(out, 'size_based', 'uuid')).length, removed, 'the first run\'s trail is still there');
  const refiltered = await runTool(config, 'size_based', { ...quiet, resetFiltering: true });
  assert.equal(refiltered.run, 2);
  assert.equal(refiltered.filter!.selected, 0);
  assert.equal(refiltered.filter!.partitions, 0, 'no batch needs a visit');
  assert.equal(refiltered.completed, true);
  const summary = JSON.parse(readFileSync(path.join(out, 'tools/size_based/runs/0000/summary.json'), 'utf8')) as { counts: { removed: number } };
  assert.equal(summary.counts.removed, removed);
  assert.deepEqual(
    (await query(`select count(*)::INTEGER as n from read_parquet(${lit(path.join(out, 'tools/size_based/runs/*/trail/*/*/trail.parquet'))})`))[0]!.n,
    removed,
  );
});
