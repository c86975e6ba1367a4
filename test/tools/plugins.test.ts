import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../src/pipeline/errors.js';
import { registerFilter, registerRunner, registerScheduler, AllBatchesFilter, DefaultScheduler, KEEP, RewriteRunner, runTool, type ToolBatch } from '../../src/tools/index.js';
import type { RewriteCounts } from '../../src/tools/rewrite.js';
import { runCliBin, TOOLS_BIN } from '../helpers/cli.js';
import { mpirun, rankLines, requireMpi } from '../mpi/mpirun.js';
import { downloadFixture, successRows, trailRows } from './fixture.js';
import { localGroup } from './local-group.js';

const fixture = await downloadFixture({
  hosts: [
    { small: 2, medium: 3, png: 3 },
    { medium: 2, png: 3, gif: 2 },
  ],
  batchSize: 3,
  imageSize: 128,
});
const quiet = { say: () => {}, progress: { live: false, write: () => {} } };

/** The plugin imports the API from the same build the CLI runs, as an installed plugin imports 'distributed-downloader'. */
const api = new URL('../../src/tools/index.js', import.meta.url).href;
writeFileSync(
  path.join(fixture.dir, 'plugin.mjs'),
  `import { registerFilter, registerScheduler, registerRunner, RowFilter, DefaultScheduler, RemoveSelectedRunner, RunnerTool } from ${JSON.stringify(api)};

class PngFilter extends RowFilter {
  select(row) {
    return row.identifier.includes('size=png') ? { reason: 'png', detail: 'the plugin drops PNG sources' } : null;
  }
}
class NoisyScheduler extends DefaultScheduler {
  run(partitions, ranks) {
    this.ctx.log.info({ partitions: partitions.length }, 'plugin scheduler ran');
    return super.run(partitions, ranks);
  }
}
registerFilter('drop_png', PngFilter);
registerScheduler('drop_png', NoisyScheduler);
registerRunner('drop_png', RemoveSelectedRunner);

/** Only a runner, and one that writes nothing: it counts. */
class CountRunner extends RunnerTool {
  async processBatch(batch) {
    return { images: batch.rows };
  }
}
registerRunner('count_images', CountRunner);
`,
);
const plugins = { tools_parameters: { plugins: ['./plugin.mjs'] } };
const before = await successRows(fixture.base, 'uuid, identifier');
const pngs = before.filter((r) => String(r.identifier).includes('size=png')).map((r) => String(r.uuid)).sort();

test('a plugin tool runs in a separate process like a built-in: its filter, scheduler and runner all load', async () => {
  const { configFile, out } = fixture.copy('cli', plugins);
  const result = await runCliBin(TOOLS_BIN, [configFile, 'drop_png']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /drop_png run 0: \d+\/\d+ batches done; kept \d+, removed \d+ \(png \d+\)/);
  const after = await successRows(out, 'uuid, identifier');
  assert.equal(after.length, before.length - pngs.length);
  assert.ok(after.every((r) => !String(r.identifier).includes('size=png')));
  const trail = await trailRows(out, 'drop_png', 'uuid, reason, detail');
  assert.deepEqual(trail.map((r) => String(r.uuid)), pngs);
  assert.ok(trail.every((r) => r.reason === 'png' && r.detail === 'the plugin drops PNG sources'));
  const schedulerLog = path.join(out, 'logs/tools/drop_png/scheduler/0000/rank-0000.log');
  assert.match(readFileSync(schedulerLog, 'utf8'), /plugin scheduler ran/);
});

test('a tool with only a runner needs --tool-name-override, which gives it the default filter and scheduler', async () => {
  const { configFile, out } = fixture.copy('override', plugins);
  const refused = await runCliBin(TOOLS_BIN, [configFile, 'count_images']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /tool "count_images" registers no filter and no scheduler.*--tool-name-override/);
  const unknown = await runCliBin(TOOLS_BIN, [configFile, 'no_such_tool']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no tool named "no_such_tool"; registered tools: count_images, drop_png, duplication_based, image_verification, resize, size_based/);

  const result = await runCliBin(TOOLS_BIN, [configFile, 'count_images', '--tool_name_override']);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(readFileSync(path.join(out, 'tools/count_images/runs/0000/summary.json'), 'utf8')) as { counts: { images: number } };
  assert.equal(summary.counts.images, before.length, 'the default filter gives the runner every completed batch');
  assert.equal((await successRows(out)).length, before.length, 'a runner that rewrites nothing changes nothing');
});

test('a missing plugin is a configuration error naming it', async () => {
  const { config } = fixture.copy('missing', { tools_parameters: { plugins: ['./nowhere.mjs'] } });
  await assert.rejects(runTool(config, 'size_based', quiet), /tools_parameters\.plugins\[0\] = "\.\/nowhere\.mjs": cannot be loaded/);
  await assert.rejects(runTool(config, 'no_such_tool', quiet), /cannot be loaded/, 'plugins load before the tool is looked up');
});

test('two ranks: rank 0 filters and schedules, both run their share, the result is the single-rank one', async () => {
  const { config, out } = fixture.copy('ranks', plugins);
  const results = await Promise.all(localGroup(2).map((comm) => runTool(config, 'drop_png', { ...quiet, comm })));
  assert.ok(results.every((r) => r.completed));
  assert.ok(results.every((r) => r.runner!.batches > 0), 'both ranks processed batches');
  const total = readdirSync(path.join(out, 'tools/drop_png/runs/0000/done'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
  assert.equal(results[0]!.runner!.batches + results[1]!.runner!.batches, total, 'no batch processed twice');
  assert.equal(results[0]!.totals!.counts.removed, pngs.length);
  assert.deepEqual((await trailRows(out, 'drop_png', 'uuid')).map((r) => String(r.uuid)), pngs);

  // Continuing on one rank finds the run completed.
  const again = await runTool(config, 'drop_png', quiet);
  assert.equal(again.completed, true);
  await assert.rejects(runTool(config, 'nope', quiet), UsageError);
});

test('under mpirun every rank loads the plugin and runs its share of the batches', async () => {
  requireMpi();
  const { configFile, out } = fixture.copy('mpi', plugins);
  const result = await mpirun(2, TOOLS_BIN, [configFile, 'drop_png']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /drop_png schedule: \d+ batches \(\d+ images\) over 2 ranks/);
  assert.deepEqual((await trailRows(out, 'drop_png', 'uuid')).map((r) => String(r.uuid)), pngs);
  const logs = path.join(out, 'logs/tools/drop_png/runner/0000');
  const finished = readdirSync(logs).flatMap((f) => rankLines<{ rank: number; batches: number; msg: string }>(readFileSync(path.join(logs, f), 'utf8')));
  const perRank = finished.filter((l) => l.msg === 'runner finished on this rank');
  assert.deepEqual(perRank.map((l) => l.rank), [0, 1]);
  assert.ok(perRank.every((l) => l.batches > 0), 'both ranks processed batches');
});

/** Fails on the first partition of every server while `broken`. */
class Flaky extends RewriteRunner {
  static broken = true;
  override processBatch(batch: ToolBatch): Promise<RewriteCounts> {
    if (Flaky.broken && batch.partition_id === 0) return Promise.reject(new Error('disk on fire'));
    return super.processBatch(batch);
  }
  decide() {
    return KEEP;
  }
}
registerFilter('flaky', AllBatchesFilter);
registerScheduler('flaky', DefaultScheduler);
registerRunner('flaky', Flaky);

test('a batch that fails is logged and left for the next invocation; the other batches are done', async () => {
  const { config, out } = fixture.copy('flaky');
  const lines: string[] = [];
  const first = await runTool(config, 'flaky', { ...quiet, say: (l) => lines.push(l) });
  assert.equal(first.completed, false);
  const failed = first.runner!.failed;
  assert.ok(failed > 0 && first.runner!.batches > 0);
  assert.match(lines.at(-1)!, new RegExp(`${failed} batches failed \\(see .*logs/tools/flaky/runner/0000\\); re-run`));
  assert.match(readFileSync(path.join(out, 'logs/tools/flaky/runner/0000/rank-0000.log'), 'utf8'), /disk on fire/);
  Flaky.broken = false;
  const second = await runTool(config, 'flaky', quiet);
  assert.equal(second.completed, true);
  assert.equal(second.runner!.batches, failed, 'only the failed batches are processed again');
  assert.equal(second.runner!.skipped, first.runner!.batches);
});
