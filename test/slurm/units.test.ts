/**
 * The Slurm executor's parts that need no cluster: time limits, the time guard, the `slurm` section,
 * the #SBATCH lines, the templates and which jobs a checkpoint still needs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, validateConfig, type LoadedConfig } from '../../src/config/index.js';
import { EMPTY_CHECKPOINT } from '../../src/pipeline/checkpoint.js';
import { UsageError } from '../../src/pipeline/errors.js';
import { sbatchLines, singleTaskShape, downloadShape } from '../../src/slurm/resources.js';
import { fillTemplate, parseSlurmTime, renderTemplate, shellQuote, stagesToSubmit, TEMPLATES, TimeGuard } from '../../src/slurm/index.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('dd-slurm-units-');
const input = path.join(dir, 'urls.tsv');
writeFileSync(input, 'identifier\n');

function config(extra: Record<string, unknown> = {}): LoadedConfig {
  return validateConfig({ path_to_input: input, path_to_output: path.join(dir, 'out'), ...extra }, path.join(dir, 'c.yaml'));
}

function refusal(extra: Record<string, unknown>): string {
  try {
    config(extra);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('accepted');
}

test("Slurm's time-limit forms", () => {
  assert.equal(parseSlurmTime('90'), 90 * 60);
  assert.equal(parseSlurmTime('5:30'), 5 * 60 + 30);
  assert.equal(parseSlurmTime('4:00:00'), 4 * 3600);
  assert.equal(parseSlurmTime('1-12'), 36 * 3600);
  assert.equal(parseSlurmTime('2-1:30'), (49 * 60 + 30) * 60);
  assert.equal(parseSlurmTime('1-0:0:10'), 86_400 + 10);
  for (const bad of ['', '1h', '1:2:3:4', '-5', '1-', 'infinite']) assert.equal(parseSlurmTime(bad), null, bad);
});

test('the time guard: run, then stop taking batches, then abandon; nothing without a known end', () => {
  const opts = { stop_before_end_s: 600, abandon_before_end_s: 60 };
  const guard = TimeGuard.fromEnvironment(opts, { SLURM_JOB_END_TIME: '1000000' });
  assert.equal(guard.phase(1_000_000_000 - 601_000), 'run');
  assert.equal(guard.phase(1_000_000_000 - 600_000), 'stop');
  assert.equal(guard.phase(1_000_000_000 - 60_000), 'abandon');
  assert.equal(guard.phase(1_000_000_000 + 5_000), 'abandon');
  for (const env of [{}, { SLURM_JOB_END_TIME: '' }, { SLURM_JOB_END_TIME: 'N/A' }]) {
    assert.equal(TimeGuard.fromEnvironment(opts, env).phase(Number.MAX_SAFE_INTEGER), 'run');
  }
});

test('the slurm section: defaults, checks, and the executor key', () => {
  const c = config();
  assert.equal(c.executor, 'local');
  assert.deepEqual({ ...c.slurm }, { time: '12:00:00', mpi: 'pmix', setup: [], sbatch_args: [], stop_before_end_s: 900, abandon_before_end_s: 120 });
  assert.match(refusal({ slurm: { time: '2h' } }), /slurm\.time = "2h": a Slurm time limit/);
  assert.match(refusal({ slurm: { mpi: 'openmpi' } }), /slurm\.mpi = "openmpi": allowed values are "pmix", "pmi2"/);
  assert.match(refusal({ slurm: { stop_before_end_s: 60, abandon_before_end_s: 120 } }), /slurm\.abandon_before_end_s = 120: must not be larger than slurm\.stop_before_end_s/);
  assert.match(refusal({ slurm: { partiton: 'x' } }), /slurm\.partiton: unknown key; allowed here: account, partition, qos/);
  assert.match(refusal({ executor: 'pbs' }), /executor = "pbs": allowed values are "local", "slurm"/);
});

test('#SBATCH lines: the Python keys as defaults, the slurm section over them', () => {
  const python = config({ account: 'PAS0000', downloader_parameters: { max_nodes: 4, workers_per_node: 8, cpu_per_worker: 2 } });
  const job = { name: 'dd-download', shape: downloadShape(python), chdir: '/out', output: '/out/logs/slurm/download/%j.out' };
  assert.deepEqual(sbatchLines(python, job), [
    '#SBATCH --job-name=dd-download', '#SBATCH --chdir=/out', '#SBATCH --output=/out/logs/slurm/download/%j.out', '#SBATCH --time=12:00:00',
    '#SBATCH --nodes=4', '#SBATCH --ntasks-per-node=8', '#SBATCH --cpus-per-task=2', '#SBATCH --account=PAS0000',
  ]);
  const own = config({
    account: 'PAS0000',
    slurm: { account: 'other', partition: 'batch', qos: 'long', mem: '16G', nodes: 2, ntasks_per_node: 3, time: '1-00:00:00', sbatch_args: ['--constraint=ib'] },
  });
  const lines = sbatchLines(own, { ...job, shape: downloadShape(own) });
  for (const line of ['--nodes=2', '--ntasks-per-node=3', '--cpus-per-task=1', '--account=other', '--partition=batch', '--qos=long', '--mem=16G', '--time=1-00:00:00', '--constraint=ib']) {
    assert.ok(lines.includes(`#SBATCH ${line}`), line);
  }
  assert.deepEqual(singleTaskShape(own), { nodes: 1, tasksPerNode: 1, cpusPerTask: 1 });
  assert.ok(sbatchLines(own, { ...job, chdir: '/my data' }).includes('#SBATCH --chdir="/my data"'));
});

test('templates: every packaged one fills; a field the filler does not know is refused', () => {
  const values = { SBATCH: '#SBATCH --time=1', SETUP: 'module load x', DOWNLOADER: 'node dd c.yaml', TOOLS: 'node t c.yaml', MPI: 'pmix', RANKS: '4', RANK_LOG: 'r.out' };
  for (const name of TEMPLATES) {
    const script = renderTemplate(config(), name, values);
    assert.ok(script.startsWith('#!/bin/bash\n'), name);
    assert.doesNotMatch(script, /\{\{/, name);
    // sbatch reads options only up to the first command.
    assert.ok(script.indexOf('#SBATCH') < script.indexOf('\nset -euo pipefail'), name);
  }
  assert.throws(() => fillTemplate('{{SBATCH}}\n{{ACOUNT}}', values, 'my.sbatch'), (err: unknown) => err instanceof UsageError && /my\.sbatch: unknown field \{\{ACOUNT\}\}/.test(err.message));
  const own = path.join(dir, 'templates');
  mkdirSync(own, { recursive: true });
  writeFileSync(path.join(own, 'verify.sbatch'), '#!/bin/bash\n{{SBATCH}}\n{{DOWNLOADER}} --stage verify # mine\n');
  assert.match(renderTemplate(config({ slurm: { templates: 'templates' } }), 'verify', values), /--stage verify # mine/);
  assert.throws(() => renderTemplate(config({ slurm: { templates: 'templates' } }), 'init', values), /cannot read the job template .*init\.sbatch/);
  assert.equal(shellQuote("/a b/it's"), `'/a b/it'\\''s'`);
  assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
});

test('the jobs a checkpoint still needs', () => {
  const c = config({ downloader_parameters: { num_downloads: 2 }, slurm: { nodes: 1, ntasks_per_node: 2 } });
  const downloads = ['download', 'download', 'verify'];
  assert.deepEqual(stagesToSubmit({ ...EMPTY_CHECKPOINT }, c, {}), ['initialize', 'profile', 'schedule', ...downloads]);
  assert.deepEqual(stagesToSubmit({ ...EMPTY_CHECKPOINT }, c, { stopAfter: 'profile' }), ['initialize', 'profile']);
  const profiled = { ...EMPTY_CHECKPOINT, batched: true, profiled: true };
  assert.deepEqual(stagesToSubmit(profiled, c, {}), ['schedule', ...downloads]);
  assert.deepEqual(stagesToSubmit({ ...profiled, scheduled_round: 0, scheduled_ranks: 2 }, c, {}), downloads);
  // Scheduled for other ranks than the download jobs have: scheduled again.
  assert.deepEqual(stagesToSubmit({ ...profiled, scheduled_round: 0, scheduled_ranks: 8 }, c, {}), ['schedule', ...downloads]);
  assert.deepEqual(stagesToSubmit({ ...profiled, finished: true }, c, {}), []);
});
