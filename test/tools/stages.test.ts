import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateConfig } from '../../src/config/index.js';
import { Layout } from '../../src/pipeline/layout.js';
import { ProgressReporter } from '../../src/pipeline/progress.js';
import { applyToolResets, EMPTY_TOOL_CHECKPOINT, type ToolCheckpoint } from '../../src/tools/checkpoint.js';
import { toolContext } from '../../src/tools/context.js';
import { DefaultScheduler, SchedulerTool, registerRunner, RemoveSelectedRunner, RewriteRunner, KEEP } from '../../src/tools/index.js';
import type { FilterPartition } from '../../src/tools/filter.js';
import { writeToolSchedule } from '../../src/tools/scheduler.js';
import type { Assignment } from '../../src/pipeline/schedule.js';
import { tempDir } from '../helpers/tmp.js';

const done: ToolCheckpoint = { filtered: true, scheduled: true, scheduled_ranks: 4, completed: true, run: 2 };

test('resets: filtering redoes everything in a new run, runners start a new run on the same filter, scheduling only reschedules', () => {
  assert.deepEqual(applyToolResets(done, {}, false), done);
  assert.deepEqual(applyToolResets(done, { resetFiltering: true, resetRunners: true }, false), { ...EMPTY_TOOL_CHECKPOINT, run: 3 });
  assert.deepEqual(applyToolResets(done, { resetRunners: true }, false), { ...done, scheduled: false, scheduled_ranks: null, completed: false, run: 3 });
  assert.deepEqual(applyToolResets(done, { resetScheduling: true }, false), { ...done, scheduled: false, scheduled_ranks: null });
  assert.deepEqual(applyToolResets(EMPTY_TOOL_CHECKPOINT, { resetRunners: true }, true), EMPTY_TOOL_CHECKPOINT, 'nothing to reset in a fresh folder');
});

const dir = tempDir();
writeFileSync(path.join(dir, 'urls.tsv'), 'identifier\nhttp://a.example/1\n');
const config = validateConfig({ path_to_input: 'urls.tsv', path_to_output: 'out' }, path.join(dir, 'config.yaml'));
const partitions: FilterPartition[] = [
  { server_name: 'a.example', partition_id: 0, rows: 100, selected: 0 },
  { server_name: 'a.example', partition_id: 1, rows: 100, selected: 0 },
  { server_name: 'a.example', partition_id: 2, rows: 60, selected: 0 },
  { server_name: '_small', partition_id: 0, rows: 40, selected: 3 },
];
const ctx = toolContext(
  { tool: 'unit', config, layout: new Layout(config), rank: 0, ranks: 2, reporter: new ProgressReporter({ write: () => {} }) },
  'scheduler',
  0,
);

test('the default scheduler spreads one server\'s batches over the ranks, balanced by images', async () => {
  const s = await writeToolSchedule(ctx, new DefaultScheduler(ctx), partitions);
  assert.deepEqual(s, { ranks: 2, partitions: 4, rows: 300 });
  const lines = readFileSync(ctx.paths.schedule, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'rank,server_name,partition_id,rows,selected');
  const load = [0, 0];
  for (const line of lines.slice(1)) {
    const [rank, , , rows] = line.split(',');
    load[Number(rank)]! += Number(rows);
  }
  assert.deepEqual(load, [160, 140], 'both ranks used, within one batch of each other');
});

class Scripted extends SchedulerTool {
  static answer: Assignment[] = [];
  run(): Assignment[] {
    return Scripted.answer;
  }
}

test('a scheduler that drops, repeats or invents batches, or names a rank out of range, is refused', async () => {
  const all = new DefaultScheduler(ctx).run(partitions, 2);
  const cases: [Assignment[], RegExp][] = [
    [all.slice(1), /left 1 batches unassigned/],
    [[...all, all[0]!], /assigned .* twice/],
    [[...all, { server_name: 'b.example', partition_id: 0, rows: 1, rank: 0 }], /b\.example\/0, which is not a batch the filter chose/],
    [all.map((a) => ({ ...a, rank: 2 })), /to rank 2; ranks are 0\.\.1/],
  ];
  for (const [answer, message] of cases) {
    Scripted.answer = answer;
    await assert.rejects(writeToolSchedule(ctx, new Scripted(ctx), partitions), message);
  }
});

test('registry: names must be folder names; a name cannot be taken by another class; registering again is harmless', () => {
  assert.throws(() => registerRunner('../escape', RemoveSelectedRunner), /a tool name is letters, digits/);
  assert.throws(() => registerRunner('size_based', class extends RewriteRunner {
    decide() {
      return KEEP;
    }
  }), /a runner is already registered for tool "size_based"/);
  assert.doesNotThrow(() => registerRunner('size_based', RemoveSelectedRunner));
});
