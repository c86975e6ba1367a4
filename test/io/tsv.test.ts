import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fieldBounds, linePieces, lineBounds, tsvField, tsvValues, type TsvBatch } from '../../src/io/tsv.js';
import { readInput, type InputRow } from '../../src/io/input.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

/** The stream cut into chunks of `size` bytes, to put chunk boundaries everywhere. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

/** Lines as text decoding would give them: the reference for the byte-level reader. */
function textLines(bytes: Buffer): string[] {
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

async function byteLines(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const { buf, ascii } of linePieces(stream)) {
    assert.equal(ascii, !/[^\x00-\x7f]/.test(buf.toString('latin1')));
    const b = lineBounds(buf);
    for (let i = 0; i < b.length; i += 2) out.push(buf.toString('utf8', b[i], b[i + 1]));
  }
  return out;
}

test('linePieces and lineBounds split like decoding then splitting, at any chunk size', async () => {
  const text = Buffer.concat([
    Buffer.from('a\tb\r\n\r\n\nbücher\t€\t𝄞\n'),
    Buffer.from([0x62, 0xff, 0x0a, 0xe2, 0x82, 0x0a, 0xf0, 0x9d, 0x84, 0x9e, 0x0a, 0xc3]),
    Buffer.from('\nlast line without newline\r'),
  ]);
  for (const size of [1, 2, 3, 5, 7, 64, 1 << 20]) {
    assert.deepEqual(await byteLines(chunked(text, size)), textLines(text), `chunk size ${size}`);
  }
});

test('fieldBounds finds every field and stops past the expected count', () => {
  const buf = Buffer.from('x\t\tyz\t');
  const out = new Int32Array(8);
  assert.equal(fieldBounds(buf, 0, buf.length, 4, out, 1), 4);
  const fields = [0, 1, 2, 3].map((f) => buf.toString('utf8', out[1 + f], out[2 + f]! - 1));
  assert.deepEqual(fields, ['x', '', 'yz', '']);
  assert.equal(fieldBounds(buf, 0, buf.length, 3, out, 0), 4);
  assert.equal(fieldBounds(buf, 0, 0, 1, out, 0), 1);
});

async function rows(file: string, header: boolean): Promise<{ columns: readonly string[] | null; row: InputRow | { rowNumber: number; values: (string | null)[] } }[]> {
  const out: { columns: readonly string[] | null; row: InputRow | { rowNumber: number; values: (string | null)[] } }[] = [];
  for await (const batch of readInput(file, { format: 'tsv', header, columnMap: { url: 'identifier' }, scratchDir: dir })) {
    if (Array.isArray(batch)) for (const row of batch) out.push({ columns: row.kind === 'ok' ? row.columns : null, row });
    else {
      const b: TsvBatch = batch;
      for (let r = 0; r < b.rows; r++) {
        assert.deepEqual(tsvValues(b, r), b.columns.map((_c, f) => tsvField(b, r, f)));
        out.push({ columns: b.columns, row: { rowNumber: b.rowNumbers[r]!, values: tsvValues(b, r) } });
      }
    }
  }
  return out;
}

test('TSV rows: BOM, CRLF, empty lines, empty fields, bad field counts and invalid UTF-8, in order', async () => {
  const file = path.join(dir, 'in.tsv');
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from('\ufeffuuid\turl\tnote\r\n'),
      Buffer.from('a\thttp://x.example/1\t\r\n\n'),
      Buffer.from('b\thttp://x.example/2\tone\ttoo many\n'),
      Buffer.from('c\thttp://bücher.example/3\tdé\n'),
      Buffer.from([0x64, 0x09, 0x68, 0x0a]),
      Buffer.from([0x65, 0x09, 0x68, 0x09, 0xff, 0x0a]),
      Buffer.from('f\thttp://x.example/6\tend'),
    ]),
  );
  const got = await rows(file, true);
  assert.deepEqual(got.map((g) => g.columns), [['uuid', 'identifier', 'note'], null, ['uuid', 'identifier', 'note'], null, ['uuid', 'identifier', 'note'], ['uuid', 'identifier', 'note']]);
  assert.deepEqual(
    got.map((g) => g.row),
    [
      { rowNumber: 1, values: ['a', 'http://x.example/1', null] },
      { kind: 'bad', rowNumber: 2, reason: 'wrong number of fields: 4 instead of 3 (line 4)', raw: JSON.stringify(['b', 'http://x.example/2', 'one', 'too many']) },
      { rowNumber: 3, values: ['c', 'http://bücher.example/3', 'dé'] },
      { kind: 'bad', rowNumber: 4, reason: 'wrong number of fields: 2 instead of 3 (line 6)', raw: JSON.stringify(['d', 'h']) },
      { rowNumber: 5, values: ['e', 'h', '\ufffd'] },
      { rowNumber: 6, values: ['f', 'http://x.example/6', 'end'] },
    ],
  );
});

test('TSV without a header names the columns 1, 2, … and keeps the first line as a row', async () => {
  const file = path.join(dir, 'noheader.tsv');
  writeFileSync(file, 'u1\thttp://x.example/1\nu2\thttp://x.example/2\n');
  await assert.rejects(rows(file, false), /no "identifier"/);
  const got: (string | null)[][] = [];
  for await (const batch of readInput(file, { format: 'tsv', header: false, columnMap: { '2': 'identifier' }, scratchDir: dir })) {
    assert.ok(!Array.isArray(batch));
    assert.deepEqual(batch.columns, ['1', 'identifier']);
    for (let r = 0; r < batch.rows; r++) got.push(tsvValues(batch, r));
  }
  assert.deepEqual(got, [['u1', 'http://x.example/1'], ['u2', 'http://x.example/2']]);
});
