/**
 * The time guard without Slurm: a run that finds SLURM_JOB_END_TIME near (as a run inside any Slurm
 * allocation would) finishes the batches it has open and leaves the rest, or abandons the open ones,
 * and the next run continues. A retried batch that is abandoned keeps its earlier output whole.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hostSpec, planScenario, startFarm, type Farm, type UrlSpec } from '../../bench/farm/index.js';
import { DOWNLOADER_BIN, runCliBin } from '../helpers/cli.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { assertEveryRowOnce } from '../mpi/farm-plans.js';

const times = (n: number, spec: UrlSpec): UrlSpec[] => Array.from({ length: n }, () => spec);
const farm: Farm = await startFarm(
  planScenario('time-guard', 9, [
    { spec: hostSpec({ label: 'steady', capacity: 2, service: { medianMs: 300, sigma: 0.1 } }), urls: times(40, { kind: 'img', variant: 'small' }) },
    // Three URLs that never answer: transient errors (TTFB timeout) to retry in a later round.
    { spec: hostSpec({ label: 'flaky', capacity: 4, service: { medianMs: 20, sigma: 0.1 } }), urls: [...times(7, { kind: 'img', variant: 'small' }), ...times(3, { kind: 'hang' })] },
  ]),
);
after(() => farm.stop());
const dir = tempDir('dd-time-guard-');
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const out = path.join(dir, 'out');
const expected = farm.rows.map((r) => r.uuid);

/** The same output under two guards: finishing the open batches, or abandoning them. */
function configWith(name: string, guard: { stop_before_end_s: number; abandon_before_end_s: number }, engine: Record<string, unknown> = {}): string {
  return writeYaml(path.join(dir, `${name}.yaml`), {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: 10 },
    input: { small_server_urls: 0 },
    image: { encoding: 'original' },
    engine: { allow_private_addresses: true, ttfb_timeout_ms: 1500, total_timeout_ms: 5000, max_retries: 0, ...engine },
    controller: { epoch_ms: 250 },
    download: { max_rounds: 1, open_batches: 2 },
    slurm: guard,
  });
}
const finishing = configWith('finish', { stop_before_end_s: 1000, abandon_before_end_s: 1 });
/**
 * Abandons 1–2 s into a job that ends in 100 s: after the retry batch has surely been opened (a
 * guard already in force at the first epoch found it not yet open on a loaded machine), and while
 * its hanging URLs still wait for an answer.
 */
const abandoning = configWith('abandon', { stop_before_end_s: 1000, abandon_before_end_s: 98 }, { ttfb_timeout_ms: 30_000, total_timeout_ms: 60_000 });
/** A Slurm job that ends in 100 s (whole seconds, as Slurm gives it): inside both stop guards from the start. */
const nearEnd = () => ({ SLURM_JOB_END_TIME: String(Math.floor(Date.now() / 1000) + 100) });

function batches(): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const server of readdirSync(path.join(out, 'images'))) {
    for (const partition of readdirSync(path.join(out, 'images', server))) {
      folders.set(`${server}/${partition}`, readdirSync(path.join(out, 'images', server, partition)).sort());
    }
  }
  return folders;
}

function assertWholeOrNothing(): number {
  let complete = 0;
  for (const [folder, files] of batches()) {
    const whole = files.includes('completed');
    if (whole) complete++;
    assert.deepEqual(files, whole ? ['completed', 'errors.parquet', 'successes.parquet'] : [], `${folder}: a whole batch or nothing`);
  }
  return complete;
}

const checkpoint = () => JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as { finished: boolean; round: number };

test('near the end of the job the open batches are finished, no new one is opened, and a re-run continues', async () => {
  const cut = await runCliBin(DOWNLOADER_BIN, [finishing], nearEnd());
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /stopped before the end of the Slurm job/);
  assert.doesNotMatch(cut.stdout, /^verify:/m, 'a round cut short is not verified');
  const complete = assertWholeOrNothing();
  assert.ok(complete >= 2 && complete < 5, `${complete} of 5 batches: those open when the guard struck`);
  assert.equal(checkpoint().finished, false);
  // The chain's verification job then says what is left.
  const verified = await runCliBin(DOWNLOADER_BIN, [finishing, '--stage', 'verify']);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`verify: round 0: ${complete}/5 batches;[^]*${5 - complete} batches are not finished; submit again`));

  const rest = await runCliBin(DOWNLOADER_BIN, [finishing]);
  assert.equal(rest.code, 0, rest.stderr);
  assert.match(rest.stdout, /verify: round 0: 5\/5 batches; 47 images, 3 errors \(3 transient\)/);
  await assertEveryRowOnce(out, expected);
});

test('an abandoned retry keeps the batch as it was; the retry is done by the next run', async () => {
  const flaky = `server_name=${farm.plan.hosts[1]!.address}%3A${farm.port}/partition_id=0`;
  const marker = path.join(out, 'images', flaky, 'completed');
  const before = readFileSync(marker, 'utf8');

  const cut = await runCliBin(DOWNLOADER_BIN, [abandoning, '--retry-errors'], nearEnd());
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /schedule: round 1: 1 batches \(3 URLs\)/);
  assert.match(cut.stdout, /stopped before the end of the Slurm job/);
  assert.match(readFileSync(path.join(out, 'logs', 'download', '0001', 'rank-0000.log'), 'utf8'), /"open":1,"msg":"Slurm job ends soon: abandoning/);
  assert.equal(assertWholeOrNothing(), 5);
  assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), JSON.parse(before), 'the marker is back, with the same counts');
  await assertEveryRowOnce(out, expected);
  assert.equal(checkpoint().finished, false);
  assert.equal(checkpoint().round, 1);

  const retried = await runCliBin(DOWNLOADER_BIN, [finishing, '--retry-errors']);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /verify: round 1: 5\/5 batches; 47 images, 3 errors/);
  assert.equal(checkpoint().finished, true);
  await assertEveryRowOnce(out, expected);
});

test('a stage whose predecessor is not done is refused, not redone inside the wrong job', async () => {
  const fresh = writeYaml(path.join(dir, 'fresh.yaml'), { path_to_input: input, path_to_output: path.join(dir, 'fresh') });
  const result = await runCliBin(DOWNLOADER_BIN, [fresh, '--stage', 'download']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /the download stage needs profiling first/);
  const mixed = await runCliBin(DOWNLOADER_BIN, [fresh, '--stage', 'initialize', '--reset-batched']);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--stage runs one stage of a Slurm job and takes no other options/);
});
