import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readParquetFile, writeParquetFile } from '../../src/io/parquet.js';
import { Layout } from '../../src/pipeline/layout.js';
import { successesSchema, tableFromRows } from '../../src/pipeline/schemas.js';
import { runTool } from '../../src/tools/index.js';
import { cellsOf, rowsOf } from '../../src/tools/rows.js';
import { runCliBin, startCli, TOOLS_BIN, waitCli } from '../helpers/cli.js';
import { lit, query } from '../helpers/duckdb.js';
import { downloadFixture, successesGlob } from './fixture.js';

const fixture = await downloadFixture({
  hosts: [
    { medium: 40, large: 12, png: 8 },
    { medium: 40, large: 12, png: 8 },
  ],
  batchSize: 6,
  imageSize: 256,
});
const TOOL = 'resize';
const tools = { tools_parameters: { new_resize_size: 64 } };
const quiet = { say: () => {}, progress: { live: false, write: () => {} } };

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

/** Everything a tool run leaves that matters, as text to compare: rows in file order, trail, markers, records. */
async function snapshot(out: string): Promise<Record<string, unknown>> {
  const [successes] = await query(
    `select string_agg(concat_ws('|', regexp_extract(filename, 'images/(.*)/successes', 1), uuid, resized_size::varchar, hashsum_resized, octet_length(image)), ';'
       order by filename, file_row_number) as s
     from read_parquet(${successesGlob(out)}, hive_partitioning = false, filename = true, file_row_number = true)`,
  );
  const [trail] = await query(
    `select string_agg(concat_ws('|', batch_server_name, batch_partition_id, uuid, action, reason, detail, hashsum_resized, octet_length(image)), ';'
       order by filename, file_row_number) as s
     from read_parquet(${lit(path.join(out, 'tools', TOOL, 'runs/*/trail/*/*/trail.parquet'))}, hive_partitioning = false, filename = true, file_row_number = true)`,
  );
  const images = path.join(out, 'images');
  const markers = files(images)
    .filter((f) => path.basename(f) === 'completed')
    .map((f) => `${f} ${readFileSync(path.join(images, f), 'utf8').trim()}`);
  const runs = path.join(out, 'tools', TOOL, 'runs');
  const records = files(runs)
    .filter((f) => f.endsWith('.json') && !f.includes('commits'))
    .map((f) => `${f} ${JSON.stringify(JSON.parse(readFileSync(path.join(runs, f), 'utf8')))}`);
  const hidden = [...files(images), ...files(path.join(out, 'tools'))].filter((f) => path.basename(f).startsWith('.'));
  return { successes: successes!.s, trail: trail!.s, markers, records, files: files(runs), hidden };
}

const clean = fixture.copy('clean', tools);
const cleanRun = await runTool(clean.config, TOOL, quiet);
const expected = await snapshot(clean.out);

test('the uninterrupted run resizes images in many batches', () => {
  assert.equal(cleanRun.completed, true);
  assert.ok(cleanRun.totals!.partitions >= 15, `${cleanRun.totals!.partitions} batches`);
  assert.ok((cleanRun.totals!.counts.replaced ?? 0) > 100);
  assert.deepEqual(expected.hidden, []);
});

test('the runner killed with SIGKILL at several points and re-run gives exactly the uninterrupted result', async () => {
  let killedMidRun = 0;
  for (const after of [1, 5, 11]) {
    const { configFile, out } = fixture.copy(`killed-${after}`, tools);
    const done = path.join(out, 'tools', TOOL, 'runs/0000/done');
    const child = startCli(TOOLS_BIN, [configFile, TOOL]);
    const finished = waitCli(child);
    let exited = false;
    void finished.then(() => (exited = true));
    // Bounded wait for the runner to have finished `after` batches, then kill it mid-run.
    for (let i = 0; i < 3000 && !exited && files(done).filter((f) => f.endsWith('.json')).length < after; i++) await sleep(5);
    child.kill('SIGKILL');
    const first = await finished;
    const checkpoint = JSON.parse(readFileSync(path.join(out, 'tools', TOOL, 'checkpoint.json'), 'utf8')) as { completed: boolean };
    if (first.signal === 'SIGKILL' && !checkpoint.completed) killedMidRun++;
    const rerun = await runCliBin(TOOLS_BIN, [configFile, TOOL]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await snapshot(out), expected, `output after a kill after ${after} batches differs from the uninterrupted run`);
  }
  assert.ok(killedMidRun >= 2, `only ${killedMidRun} of the runs were still going when killed`);
});

/**
 * The kill windows of a batch's commit, rebuilt exactly: a copy of the finished run with one batch
 * set back to how a kill at that moment leaves it. Re-running must give the uninterrupted result.
 */
async function interrupted(
  name: string,
  leave: (batch: { dir: string; staged: string; commit: string; done: string; trail: string; base: string }) => Promise<void> | void,
): Promise<string> {
  const out = path.join(fixture.dir, name);
  cpSync(clean.out, out, { recursive: true });
  const layout = new Layout({ ...clean.config, path_to_output: out });
  const paths = layout.tool(TOOL);
  const folder = readdirSync(layout.images).find((f) => f !== 'server_name=_small')!;
  const serverName = decodeURIComponent(folder.slice('server_name='.length));
  await leave({
    dir: layout.imagesBatchDir(serverName, 0),
    staged: paths.stagedSuccesses(serverName, 0),
    commit: paths.commitRecord(0, serverName, 0),
    done: paths.doneRecord(0, serverName, 0),
    trail: paths.trail(0, serverName, 0),
    base: path.join(fixture.base, 'images', folder, 'partition_id=0'),
  });
  const checkpoint = JSON.parse(readFileSync(paths.checkpoint, 'utf8')) as Record<string, unknown>;
  writeFileSync(paths.checkpoint, JSON.stringify({ ...checkpoint, completed: false }));
  rmSync(paths.runSummary(0));
  const result = await runTool({ ...clean.config, path_to_output: out }, TOOL, quiet);
  assert.equal(result.completed, true);
  return out;
}

/** The batch as the download left it: old file, old marker. */
function restoreOriginal(b: { dir: string; base: string }): void {
  cpSync(path.join(b.base, 'successes.parquet'), path.join(b.dir, 'successes.parquet'));
  cpSync(path.join(b.base, 'completed'), path.join(b.dir, 'completed'));
}

test('killed after the commit record, before the rename: the staged file is put in place', async () => {
  const out = await interrupted('after-commit', (b) => {
    cpSync(path.join(b.dir, 'successes.parquet'), b.staged);
    restoreOriginal(b);
    const record = JSON.parse(readFileSync(b.commit, 'utf8')) as { source: { size: number; mtimeMs: number } };
    const now = statSync(path.join(b.dir, 'successes.parquet'));
    writeFileSync(b.commit, JSON.stringify({ ...record, source: { size: now.size, mtimeMs: now.mtimeMs } }));
    rmSync(b.done);
  });
  assert.deepEqual(await snapshot(out), expected);
});

test('killed after the rename, before the marker and the done record: the trail is kept, not redone', async () => {
  const out = await interrupted('after-rename', (b) => {
    cpSync(path.join(b.base, 'completed'), path.join(b.dir, 'completed'));
    rmSync(b.done);
  });
  assert.deepEqual(await snapshot(out), expected);
});

test('killed before the commit record: the staged file and trail are leftovers, the batch is processed again', async () => {
  const out = await interrupted('before-commit', (b) => {
    cpSync(path.join(b.dir, 'successes.parquet'), b.staged);
    restoreOriginal(b);
    rmSync(b.commit);
    rmSync(b.done);
    writeFileSync(path.join(path.dirname(b.trail), '.trail.parquet.123.abcd.tmp'), 'half a file');
  });
  assert.deepEqual(await snapshot(out), expected);
});

test('a batch downloaded again between commit record and rename is processed again, not overwritten with the stale file', async () => {
  let rows: string[] = [];
  let batch = { dir: '', trail: '' };
  await interrupted('redownloaded', async (b) => {
    batch = b;
    cpSync(path.join(b.dir, 'successes.parquet'), b.staged);
    cpSync(path.join(b.base, 'completed'), path.join(b.dir, 'completed'));
    rmSync(b.done);
    // A later round's file: the original without its first row, so the staged file is stale.
    const original = rowsOf(await readParquetFile(path.join(b.base, 'successes.parquet'))).slice(1);
    rows = original.map((r) => String(r.uuid));
    await writeParquetFile(path.join(b.dir, 'successes.parquet'), tableFromRows(successesSchema, original.map((r) => cellsOf(r, successesSchema))));
  });
  const now = await query(`select uuid from read_parquet(${lit(path.join(batch.dir, 'successes.parquet'))}, file_row_number = true) order by file_row_number`);
  assert.deepEqual(now.map((r) => String(r.uuid)), rows, 'the batch holds the new file\'s rows');
  const trail = await query(`select uuid from read_parquet(${lit(batch.trail)})`);
  assert.ok(trail.length > 0 && trail.every((r) => rows.includes(String(r.uuid))), 'the trail is the new file\'s');
  const marker = JSON.parse(readFileSync(path.join(batch.dir, 'completed'), 'utf8')) as { successes: number };
  assert.equal(marker.successes, rows.length);
});

test('killed after the rename, then the batch downloaded again: the commit stands, the download\'s marker is left alone', async () => {
  let batch = { dir: '', trail: '', base: '' };
  let trailBefore: Record<string, unknown>[] = [];
  let markerTime = 0;
  await interrupted('renamed-then-redownloaded', async (b) => {
    batch = b;
    trailBefore = await query(`select uuid from read_parquet(${lit(b.trail)}) order by uuid`);
    restoreOriginal(b); // the download round's new file and marker
    markerTime = statSync(path.join(b.dir, 'completed')).mtimeMs;
    rmSync(b.done);
  });
  assert.equal(statSync(path.join(batch.dir, 'completed')).mtimeMs, markerTime, 'the marker is not rewritten');
  assert.deepEqual(await query(`select uuid from read_parquet(${lit(batch.trail)}) order by uuid`), trailBefore, 'the trail of the commit is kept');
});
