import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ByteWriter } from '../../src/io/byte-writer.js';
import { readParquetFile } from '../../src/io/parquet.js';
import { InitWorkers } from '../../src/pipeline/urls-pool.js';
import { writeUrlsRecord } from '../../src/pipeline/urls-record.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

function records(n: number): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < n; i++) {
    const at = w.length;
    w.u32(0);
    writeUrlsRecord(w, i + 1, 0, `u${i}`, [`https://a.example/${i}`, `s${i}`]);
    w.buf.writeUInt32LE(w.length - at - 4, at);
  }
  return new Uint8Array(w.view());
}

test('the worker pool writes batches and reports a failing task instead of hanging', async () => {
  const pool = new InitWorkers(2);
  try {
    const files = [0, 1, 2, 3].map((k) => path.join(dir, `server_name=a.example/partition_id=${k}/urls.parquet`));
    await Promise.all(
      files.map((file, k) => {
        const recs = records(10 + k);
        return pool.writeBatch({ file, columns: ['identifier', 'source_id'], servers: [[0, 'a.example']], records: recs, rows: 10 + k });
      }),
    );
    for (const [k, file] of files.entries()) {
      const table = await readParquetFile(file);
      assert.equal(table.numRows, 10 + k);
      assert.deepEqual(table.schema.fields.map((f) => f.name), ['uuid', 'identifier', 'source_id', 'license', 'source', 'title', 'server_name', 'row_number']);
      assert.equal(String(table.get(1)!.toJSON().server_name), 'a.example');
    }
    // A folder that cannot be made: a file stands where it should be.
    writeFileSync(path.join(dir, 'blocked'), '');
    const recs = records(1);
    await assert.rejects(
      pool.writeBatch({ file: path.join(dir, 'blocked/partition_id=0/urls.parquet'), columns: ['identifier', 'source_id'], servers: [[0, 'a.example']], records: recs, rows: 1 }),
      /ENOTDIR|EEXIST/,
    );
  } finally {
    await pool.close();
  }
});
