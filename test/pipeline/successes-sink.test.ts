import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BatchOutput, COMPLETED_MARKER, SUCCESSES_FILE, type SuccessRecord } from '../../src/pipeline/batch-output.js';
import { SuccessesWriterThread } from '../../src/pipeline/successes-sink.js';
import { lit, query } from '../helpers/duckdb.js';

const thread = new SuccessesWriterThread();
after(() => thread.shutdown());

function success(batch: string, i: number): SuccessRecord {
  return {
    uuid: `${batch}-${i}`, source_id: null, identifier: `http://127.0.0.1/${batch}/${i}`, license: null, source: null, title: null,
    original_size: [2, 3], resized_size: [2, 3], hashsum_original: 'h', hashsum_resized: 'h',
    image: new Uint8Array(1000).fill(i % 256), server_name: batch,
  };
}

describe('successes written in the writer thread', () => {
  it('keeps each file its own rows in order while several batches interleave, in bounded row groups', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dd-sink-'));
    const names = ['a', 'b', 'c'];
    const outputs = await Promise.all(names.map(async (n) => {
      await fs.mkdir(path.join(root, n));
      // A row group every 5 images.
      return new BatchOutput(path.join(root, n), { sink: thread, rowGroupBytes: 5000 });
    }));
    for (let i = 0; i < 23; i++) outputs.forEach((o, k) => o.addSuccess(success(names[k]!, i)));
    await Promise.all(outputs.map((o) => o.finish()));
    for (const n of names) {
      const file = path.join(root, n, SUCCESSES_FILE);
      const rows = await query(`SELECT uuid FROM read_parquet(${lit(file)})`);
      assert.deepEqual(rows.map((r) => r.uuid), Array.from({ length: 23 }, (_, i) => `${n}-${i}`), n);
      const groups = await query(`SELECT DISTINCT row_group_id, row_group_num_rows AS n FROM parquet_metadata(${lit(file)}) ORDER BY 1`);
      assert.deepEqual(groups.map((g) => Number(g.n)), [5, 5, 5, 5, 3], `${n}: row groups`);
      await fs.access(path.join(root, n, COMPLETED_MARKER));
    }
    await fs.rm(root, { recursive: true, force: true });
  });

  it('moves whole image buffers to the thread and copies pooled ones, and both reach the file intact', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dd-sink-'));
    const output = new BatchOutput(root, { sink: thread, rowGroupBytes: 1 });
    const whole = new Uint8Array(1000).fill(7);
    // A slice of Node's shared pool: moving its memory would empty the other Buffers in it.
    const pooled = Buffer.from([1, 2, 3]);
    const neighbour = Buffer.from([4, 5, 6]);
    assert.equal(pooled.buffer, neighbour.buffer, 'two small Buffers share one pool');
    output.addSuccess({ ...success('m', 0), image: whole });
    output.addSuccess({ ...success('m', 1), image: pooled });
    await output.finish();
    assert.equal(whole.byteLength, 0, 'the whole buffer was moved, not copied');
    assert.deepEqual([...pooled, ...neighbour], [1, 2, 3, 4, 5, 6]);
    const rows = await query(`SELECT uuid, image FROM read_parquet(${lit(path.join(root, SUCCESSES_FILE))}) ORDER BY uuid`);
    assert.deepEqual(rows.map((r) => [r.uuid, [...(r.image as Uint8Array)]]), [
      ['m-0', Array.from({ length: 1000 }, () => 7)],
      ['m-1', [1, 2, 3]],
    ]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('fails the batch, naming the file, when its successes cannot be written; the thread goes on with others', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dd-sink-'));
    // A file where the batch's folder should be.
    await fs.writeFile(path.join(root, 'gone'), '');
    // Handed to the thread at once, and failing there well before finish() asks for the file.
    const gone = new BatchOutput(path.join(root, 'gone'), { sink: thread, rowGroupBytes: 1 });
    gone.addSuccess(success('gone', 0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(gone.finish(), (err: Error) => err.message.includes(path.join(root, 'gone')));
    await fs.mkdir(path.join(root, 'ok'));
    const ok = new BatchOutput(path.join(root, 'ok'), { sink: thread });
    ok.addSuccess(success('ok', 0));
    await ok.finish();
    assert.equal((await query(`SELECT count(*) AS n FROM read_parquet(${lit(path.join(root, 'ok', SUCCESSES_FILE))})`))[0]!.n, 1n);
    await fs.rm(root, { recursive: true, force: true });
  });
});
