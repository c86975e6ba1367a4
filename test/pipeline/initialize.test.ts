import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { lit, query } from '../helpers/duckdb.js';
import { acceptedRows, rejectedRows, writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

interface Row {
  uuid: string | null;
  identifier: string | null;
  source_id: string;
  species: string;
}

/** Input rows, in order, with what the tool must make of each. */
const CASES: { row: Row; server?: string; reason?: RegExp }[] = [
  ...Array.from({ length: 7 }, (_v, i) => ({
    row: { uuid: `big-${i}`, identifier: `https://Big.Example.org/img/${i}.jpg`, source_id: `s${i}`, species: 'Felis catus' },
    server: 'big.example.org',
  })),
  { row: { uuid: 'port', identifier: 'http://127.0.0.5:8080/a.jpg', source_id: 'p', species: 'x' }, server: '127.0.0.5:8080' },
  { row: { uuid: 'default-port', identifier: 'http://plain.example:80/a.jpg', source_id: 'p', species: 'x' }, server: 'plain.example' },
  { row: { uuid: 'v6', identifier: 'http://[2001:DB8::1]:8443/b.png', source_id: 'v', species: 'x' }, server: '[2001:db8::1]:8443' },
  { row: { uuid: 'idn', identifier: 'https://bücher.example/c.jpg', source_id: 'i', species: 'x' }, server: 'xn--bcher-kva.example' },
  { row: { uuid: 'creds', identifier: 'https://user:pw@Creds.Example/d.jpg', source_id: 'c', species: 'x' }, server: 'creds.example' },
  { row: { uuid: null, identifier: 'https://nouuid.example/e.jpg', source_id: 'n', species: 'x' }, server: 'nouuid.example' },
  { row: { uuid: 'missing-url', identifier: null, source_id: 'm', species: 'x' }, reason: /missing URL/ },
  { row: { uuid: 'bad-url', identifier: 'http://exa mple.com/x', source_id: 'b', species: 'x' }, reason: /unparsable URL/ },
  { row: { uuid: 'ftp', identifier: 'ftp://files.example/x.jpg', source_id: 'f', species: 'x' }, reason: /unsupported scheme "ftp"/ },
  { row: { uuid: 'data', identifier: 'data:image/png;base64,AAAA', source_id: 'd', species: 'x' }, reason: /unsupported scheme "data"/ },
  { row: { uuid: 'big-3', identifier: 'https://other.example/dup.jpg', source_id: 'dup', species: 'x' }, reason: /duplicate uuid \(first seen at row 4\)/ },
  { row: { uuid: 'tab"quote', identifier: 'https://quote.example/q.jpg', source_id: 'has "quotes", commas', species: 'x' }, server: 'quote.example' },
];

function tsv(rows: Row[]): string {
  const cell = (v: string | null) => v ?? '';
  return ['uuid\tidentifier\tsource_id\tspecies', ...rows.map((r) => [r.uuid, r.identifier, r.source_id, r.species].map(cell).join('\t'))].join('\n') + '\n';
}

function csv(rows: Row[]): string {
  const cell = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['uuid,identifier,source_id,species', ...rows.map((r) => [r.uuid, r.identifier, r.source_id, r.species].map(cell).join(','))].join('\n') + '\n';
}

function jsonl(rows: Row[]): string {
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)))).join('\n') + '\n';
}

async function parquetViaDuckdb(rows: Row[], file: string): Promise<void> {
  const json = path.join(dir, `${path.basename(file)}.src.jsonl`);
  writeFileSync(json, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await query(
    `copy (select * from read_json(${lit(json)}, columns = {uuid: 'VARCHAR', identifier: 'VARCHAR', source_id: 'VARCHAR', species: 'VARCHAR'}))
     to ${lit(file)} (format parquet)`,
  );
}

async function runOn(input: string, extra: Record<string, unknown> = {}) {
  const out = path.join(dir, `out-${path.basename(input)}`);
  const config = writeYaml(path.join(dir, `${path.basename(input)}.yaml`), {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: 3 },
    input: { small_server_urls: 2 },
    ...extra,
  });
  const result = await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule']);
  assert.equal(result.code, 0, result.stderr);
  return { out, result };
}

async function checkOutput(out: string): Promise<void> {
  const accepted = await acceptedRows(out);
  const rejected = await rejectedRows(out);
  const seen = [...accepted, ...rejected].map((r) => Number(r.row_number)).sort((a, b) => a - b);
  assert.deepEqual(seen, CASES.map((_c, i) => i + 1), 'every input row exactly once across batches and rejected.parquet');
  for (const r of accepted) {
    const c = CASES[Number(r.row_number) - 1]!;
    assert.equal(r.server_name, c.server, `row ${String(r.row_number)} server_name`);
    assert.equal(r.identifier, c.row.identifier);
    assert.equal(r.species, c.row.species, 'extra columns are carried along');
    if (c.row.uuid) assert.equal(r.uuid, c.row.uuid);
    else assert.match(String(r.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'derived uuid');
  }
  for (const r of rejected) {
    const c = CASES[Number(r.row_number) - 1]!;
    assert.ok(c.reason, `row ${String(r.row_number)} should not be rejected (${String(r.reason)})`);
    assert.match(String(r.reason), c.reason);
  }
  // Big server: 7 rows in batches of 3 → 3 partitions of its own; small ones packed under _small.
  const big = accepted.filter((r) => r.server_name === 'big.example.org');
  assert.deepEqual([...new Set(big.map((r) => r.folder))], ['big.example.org']);
  assert.deepEqual([...new Set(big.map((r) => r.partition))].sort(), [0, 1, 2]);
  const small = accepted.filter((r) => r.server_name !== 'big.example.org');
  assert.ok(small.every((r) => r.folder === '_small'), 'servers with few URLs are packed under _small');
}

const rows = CASES.map((c) => c.row);

test('TSV input: rows validated, partitioned by server, bad rows rejected with a reason', async () => {
  const file = path.join(dir, 'urls.tsv');
  writeFileSync(file, tsv(rows));
  await checkOutput((await runOn(file)).out);
});

test('CSV input with quoted fields, and gzipped CSV', async () => {
  const file = path.join(dir, 'urls.csv');
  writeFileSync(file, csv(rows));
  await checkOutput((await runOn(file)).out);
  const gz = path.join(dir, 'urls2.csv.gz');
  writeFileSync(gz, gzipSync(csv(rows)));
  await checkOutput((await runOn(gz)).out);
});

test('JSONL and gzipped JSONL input', async () => {
  const file = path.join(dir, 'urls.jsonl');
  writeFileSync(file, jsonl(rows));
  await checkOutput((await runOn(file)).out);
  const gz = path.join(dir, 'urls2.jsonl.gz');
  writeFileSync(gz, gzipSync(jsonl(rows)));
  await checkOutput((await runOn(gz)).out);
});

test('Parquet input written by DuckDB, and gzipped Parquet', async () => {
  const file = path.join(dir, 'urls.parquet');
  await parquetViaDuckdb(rows, file);
  await checkOutput((await runOn(file)).out);
  const { readFileSync } = await import('node:fs');
  const gz = path.join(dir, 'urls2.parquet.gz');
  writeFileSync(gz, gzipSync(readFileSync(file)));
  await checkOutput((await runOn(gz)).out);
});

test('gzipped TSV with column_map (GBIF names)', async () => {
  const gbif = ['gbifID\tidentifier\tlicense', '1001\thttps://gbif.example/1.jpg\tCC0', '1002\thttps://gbif.example/2.jpg\tCC-BY'].join('\n') + '\n';
  const file = path.join(dir, 'multimedia.txt.gz');
  writeFileSync(file, gzipSync(gbif));
  const { out } = await runOn(file, { input: { column_map: { gbifID: 'source_id' }, small_server_urls: 2 } });
  const accepted = await acceptedRows(out);
  assert.deepEqual(accepted.map((r) => r.source_id), ['1001', '1002']);
  assert.deepEqual(accepted.map((r) => r.license), ['CC0', 'CC-BY']);
});

test('an empty file and a header-only file give empty output, not an error', async () => {
  for (const [name, text] of [['empty.tsv', ''], ['header-only.tsv', 'uuid\tidentifier\tsource_id\n']] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const { out, result } = await runOn(file);
    assert.match(result.stdout, /0 rows read, 0 accepted, 0 rejected/);
    assert.deepEqual(await rejectedRows(out), []);
    const cols = await query(`describe select * from read_parquet(${lit(path.join(out, 'rejected.parquet'))})`);
    assert.deepEqual(cols.map((c) => c.column_name), ['row_number', 'reason', 'uuid', 'identifier', 'server_name', 'raw']);
  }
});

test('an input without a URL column is refused naming its columns', async () => {
  const file = path.join(dir, 'nourl.tsv');
  writeFileSync(file, 'uuid\turl\nx\thttp://a.example/1.jpg\n');
  const out = path.join(dir, 'out-nourl');
  const config = writeYaml(path.join(dir, 'nourl.yaml'), { path_to_input: file, path_to_output: out });
  const result = await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no "identifier" \(URL\) column; the columns are "uuid", "url".*input\.column_map/);
});

test('re-running continues: finished stages are not redone', async () => {
  const file = path.join(dir, 'again.tsv');
  writeFileSync(file, tsv(rows));
  const { out } = await runOn(file);
  const { result } = await runOn(file);
  assert.match(result.stdout, /initialize: already done/);
  assert.match(result.stdout, /profile: already done/);
  assert.match(result.stdout, /round 0 already scheduled/);
  await checkOutput(out);
});
