import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { hiveEscape } from '../../src/pipeline/layout.js';

const dir = tempDir();
const input = path.join(dir, 'urls.tsv');
const lines = ['uuid\tidentifier\tsource_id'];
for (let i = 0; i < 30; i++) lines.push(`a${i}\thttp://alpha.example/${i}.jpg\t${i}`);
for (let i = 0; i < 12; i++) lines.push(`b${i}\thttp://127.0.0.7:8080/${i}.jpg\t${i}`);
for (let i = 0; i < 3; i++) lines.push(`c${i}\thttp://tiny${i}.example/x.jpg\t${i}`);
writeFileSync(input, lines.join('\n') + '\n');

function setup(name: string): { config: string; out: string } {
  const out = path.join(dir, name);
  const config = writeYaml(path.join(dir, `${name}.yaml`), {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: 10, default_rate_limit: 7 },
    input: { small_server_urls: 5 },
  });
  return { config, out };
}

const csvRows = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

test('hive escaping of server names in folder names', () => {
  assert.equal(hiveEscape('127.0.0.5:8080'), '127.0.0.5%3A8080');
  assert.equal(hiveEscape('[::1]:81'), '%5B%3A%3A1%5D%3A81');
  assert.equal(hiveEscape('a_b-c.d'), 'a_b-c.d');
});

test('profile lists every server with its batches and the default rate; ignored servers are left out and reported', async () => {
  const { config, out } = setup('profiled');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'ignored.csv'), 'server_name\n127.0.0.7:8080\nnot-in-input.example\n');
  const result = await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /1 ignored/);
  assert.match(result.stdout, /1 servers in .*ignored\.csv have no URLs/);
  assert.deepEqual(csvRows(path.join(out, 'profiles.csv')).sort(), [
    'alpha.example,3,0,0,7',
    'server_name,total_batches,success_count,error_count,rate_limit',
    'tiny0.example,1,0,0,7',
    'tiny1.example,1,0,0,7',
    'tiny2.example,1,0,0,7',
  ]);
  assert.ok(existsSync(path.join(out, 'urls', `server_name=${hiveEscape('127.0.0.7:8080')}`, 'partition_id=1', 'urls.parquet')));
  const schedule = csvRows(path.join(out, 'schedules', '0000', 'schedule.csv'));
  assert.ok(!schedule.some((l) => l.includes('127.0.0.7')), 'ignored server not scheduled');
  assert.equal(schedule.length - 1, 4, 'three alpha batches and one packed batch');
});

test('the schedule leaves out batches already completed; --reset-profiled keeps downloaded images', async () => {
  const { config, out } = setup('resumed');
  assert.equal((await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule'])).code, 0);
  const marker = path.join(out, 'images', 'server_name=alpha.example', 'partition_id=1', 'completed');
  mkdirSync(path.dirname(marker), { recursive: true });
  writeFileSync(marker, '');
  const again = await runCliBin(DOWNLOADER_BIN, [config, '--reset_profiled', '--stop-after', 'schedule']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /1 already completed/);
  const schedule = csvRows(path.join(out, 'schedules', '0000', 'schedule.csv'));
  assert.ok(!schedule.includes('0,alpha.example,1,10,0'));
  assert.ok(schedule.includes('0,alpha.example,0,10,0'));
  assert.ok(existsSync(marker), '--reset-profiled never deletes images');
});

test('--reset-batched is refused while images exist unless --force is given', async () => {
  const { config, out } = setup('reset');
  assert.equal((await runCliBin(DOWNLOADER_BIN, [config, '--stop-after', 'schedule'])).code, 0);
  const image = path.join(out, 'images', 'server_name=alpha.example', 'partition_id=0', 'successes.parquet');
  mkdirSync(path.dirname(image), { recursive: true });
  writeFileSync(image, 'x');
  const refused = await runCliBin(DOWNLOADER_BIN, [config, '--reset-batched', '--stop-after', 'schedule']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /add --force/);
  assert.ok(existsSync(image), 'nothing deleted without --force');
  const forced = await runCliBin(DOWNLOADER_BIN, [config, '--reset_batched', '--force', '--stop-after', 'schedule']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(!existsSync(image));
  assert.match(forced.stdout, /initialize: 45 rows read, 45 accepted/);
});
