import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readParquetFile, writeParquetFile } from '../../src/io/parquet.js';
import { successesSchema, tableFromRows } from '../../src/pipeline/schemas.js';
import { runTool } from '../../src/tools/index.js';
import { cellsOf, rowsOf } from '../../src/tools/rows.js';
import { downloadFixture, size, successRows, trailRows } from './fixture.js';

const fixture = await downloadFixture({
  hosts: [{ small: 2, medium: 3, png: 2 }],
  batchSize: 4,
  imageSize: 96,
  config: { image: { encoding: 'raw_bgr' }, input: { small_server_urls: 0 } },
});
const quiet = { say: () => {}, progress: { live: false, write: () => {} } };
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

test('raw_bgr pixel buffers (the Python tool\'s encoding) are resized and verified as buffers', async () => {
  const { config, out } = fixture.copy('raw', { tools_parameters: { new_resize_size: 48 } });
  const resized = await runTool(config, 'resize', quiet);
  assert.equal(resized.completed, true);
  const rows = await successRows(out, 'uuid, resized_size, hashsum_resized, image');
  assert.ok(rows.length >= 7);
  for (const r of rows) {
    const [h, w] = size(r.resized_size);
    assert.ok(Math.max(h, w) <= 48);
    assert.equal((r.image as Uint8Array).byteLength, h * w * 3, 'height × width × 3 bytes');
    assert.equal(md5(r.image as Uint8Array), r.hashsum_resized);
  }
  assert.equal(resized.totals!.counts.replaced, rows.filter((r) => Math.max(...size(r.resized_size)) === 48).length);

  // A buffer one row of pixels short no longer matches its size; its hash is made to match, so only the size check can tell.
  const folder = readdirSync(path.join(out, 'images'))[0]!;
  const file = path.join(out, 'images', folder, 'partition_id=0', 'successes.parquet');
  const batch = rowsOf(await readParquetFile(file));
  const [h, w] = batch[0]!.resized_size as number[];
  const short = (batch[0]!.image as Uint8Array).slice(0, (h! - 1) * w! * 3);
  batch[0] = { ...batch[0]!, image: short, hashsum_resized: md5(short) };
  await writeParquetFile(file, tableFromRows(successesSchema, batch.map((r) => cellsOf(r, successesSchema))));

  const verified = await runTool(config, 'image_verification', quiet);
  assert.equal(verified.completed, true);
  const trail = await trailRows(out, 'image_verification', 'uuid, reason, detail');
  assert.deepEqual(trail.map((r) => [r.uuid, r.reason]), [[batch[0]!.uuid, 'size_mismatch']]);
  assert.match(String(trail[0]!.detail), /bytes of BGR/);
});
