import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { RecordSpill } from '../../src/io/record-spill.js';
import { ByteReader, ByteWriter, NULL_LENGTH } from '../../src/io/byte-writer.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

test('ByteWriter writes strings as length and UTF-8 bytes, null as 0xFFFFFFFF, growing as needed', () => {
  const w = new ByteWriter(4);
  const long = 'é'.repeat(100);
  w.str('abc');
  w.str(null);
  w.str('bücher');
  w.str(long);
  w.strBytes(Buffer.from('xyz'), 1, 3);
  const b = w.view();
  let at = 0;
  const next = () => {
    const n = b.readUInt32LE(at);
    at += 4;
    if (n === NULL_LENGTH) return null;
    const s = b.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  assert.deepEqual([next(), next(), next(), next(), next()], ['abc', null, 'bücher', long, 'yz']);
  assert.equal(at, b.length);
});

test('ByteReader reads back what ByteWriter wrote', () => {
  const w = new ByteWriter(4);
  w.f64(12.5);
  w.u32(7);
  w.str('bücher');
  w.str(null);
  const r = new ByteReader(w.view(), 0);
  assert.deepEqual([r.f64(), r.u32(), r.str(), r.str()], [12.5, 7, 'bücher', null]);
  assert.equal(r.at, w.length);
});

test('RecordSpill gives each key its records back in order, across flushes and read chunks', async () => {
  const spill = new RecordSpill(path.join(dir, 'spill'), 3, 1000);
  const expected: string[][] = [[], [], []];
  for (let i = 0; i < 50_000; i++) {
    const key = (i * 7) % 3;
    // Some records larger than a read chunk, to cross the 1 MiB boundaries.
    const value = i % 10_000 === 1 ? 'x'.repeat(1_500_000) : `record ${i}`;
    const w = spill.begin(key);
    w.str(value);
    spill.end();
    expected[key]!.push(value);
  }
  spill.flush();
  for (let key = 0; key < 3; key++) {
    const got: string[] = [];
    for await (const chunk of spill.chunks(key)) {
      for (let at = 0; at < chunk.length; ) {
        const end = at + 4 + chunk.readUInt32LE(at);
        got.push(chunk.toString('utf8', at + 8, end));
        at = end;
      }
    }
    assert.deepEqual(got, expected[key]);
    spill.discard(key);
  }
  const none: Buffer[] = [];
  for await (const chunk of spill.chunks(0)) none.push(chunk);
  assert.equal(none.length, 0);
});
