import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainNetloc, type Netloc } from '../../src/pipeline/url-fast.js';
import { ServerTable } from '../../src/pipeline/urls-servers.js';
import { fnv1a } from '../../src/pipeline/uuid.js';

const netloc: Netloc = { hostStart: 0, hostEnd: 0, portStart: 0, portEnd: 0 };

/** Adds the server of a plain URL, found in its bytes as initialization does for TSV rows. */
function addUrl(table: ServerTable, url: string): number {
  const bytes = Buffer.from(`\t${url}\t`);
  assert.ok(plainNetloc(bytes, 1, bytes.length - 1, netloc), url);
  return table.addNetloc(bytes, netloc);
}

test('a server has one id whether it comes by name or from the bytes of its URLs', () => {
  const table = new ServerTable(7);
  const a = table.add('images.example:8080');
  assert.equal(addUrl(table, 'HTTP://Images.Example:8080/a.jpg'), a);
  const b = addUrl(table, 'https://Other.Example:443/b.jpg');
  assert.equal(table.add('other.example'), b);
  assert.notEqual(addUrl(table, 'https://other.example:444/'), b);
  assert.deepEqual(table.names, ['images.example:8080', 'other.example', 'other.example:444']);
  assert.deepEqual(table.rows, [2, 2, 1]);
  assert.deepEqual(table.buckets, table.names.map((n) => fnv1a(n) % 7));
});

test('ids stay put as the table grows', () => {
  const table = new ServerTable(13);
  for (let i = 0; i < 5000; i++) assert.equal(addUrl(table, `http://host${i}.example/x`), i);
  for (let i = 0; i < 5000; i += 7) assert.equal(table.add(`host${i}.example`), i);
  for (let i = 0; i < 5000; i += 3) assert.equal(addUrl(table, `http://HOST${i}.example./x`), 5000 + i / 3);
  assert.equal(table.rows[7], 2);
  assert.equal(table.names[5000], 'host0.example.');
});
