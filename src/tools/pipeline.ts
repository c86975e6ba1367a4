/**
 * A tool run: filter → scheduler → runners, each recorded in tools/<tool>/checkpoint.json so that
 * re-running continues where the last invocation stopped. Every rank loads the plugins and looks the
 * tool up; rank 0 filters and schedules while the others wait; all ranks run. A failure on one rank
 * reaches all (mpi/gate.ts), so none waits for a rank that gave up.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { exists, writeJsonAtomic } from '../io/atomic.js';
import { SingleProcessCommunicator, type Communicator } from '../mpi/communicator.js';
import { onEveryRank, onRankZero } from '../mpi/gate.js';
import { readCheckpoint } from '../pipeline/checkpoint.js';
import { UsageError } from '../pipeline/errors.js';
import { Layout } from '../pipeline/layout.js';
import { ProgressReporter, type ProgressOptions } from '../pipeline/progress.js';
import './builtins/index.js';
import { completedBatches } from './batches.js';
import { applyToolResets, readToolCheckpoint, writeToolCheckpoint, type ToolCheckpoint, type ToolResets } from './checkpoint.js';
import { toolContext, type ContextSource, type ToolContext } from './context.js';
import { FilterOutput, readFilterPartitions, type FilterSummary } from './filter.js';
import { loadPlugins } from './plugins.js';
import { resolveTool, type FilterConstructor } from './registry.js';
import { runRunner, runTotals, unfinished, type RunnerSummary, type RunTotals } from './runner-stage.js';
import { writeToolSchedule, type ToolScheduleSummary } from './scheduler.js';

export interface ToolOptions extends ToolResets {
  /** Let a tool without a registered filter or scheduler use the default ones. Default false. */
  toolNameOverride?: boolean;
  /** The ranks of this run. Default: a single process. */
  comm?: Communicator;
  /** Progress display settings. Default: live on a TTY, plain lines otherwise. */
  progress?: ProgressOptions;
  /** Human-readable status lines (rank 0 only). Default: printed to stdout. */
  say?: (line: string) => void;
}

export interface ToolResult {
  tool: string;
  run: number;
  filter?: FilterSummary;
  schedule?: ToolScheduleSummary;
  /** What this rank's runner did in this invocation. */
  runner?: RunnerSummary;
  /** The run over all ranks so far (rank 0). */
  totals?: RunTotals;
  /** Every batch of the filter is done in this run; false when batches failed (re-run to retry them). */
  completed: boolean;
  checkpoint: ToolCheckpoint;
}

async function filterStage(ctx: ToolContext, Filter: FilterConstructor): Promise<FilterSummary> {
  // Derived data: a filter cut off half-way starts over.
  await fs.rm(ctx.paths.filter, { recursive: true, force: true });
  const output = new FilterOutput(ctx.paths);
  await new Filter(ctx).run(await completedBatches(ctx.layout), output);
  const summary = await output.finish();
  ctx.log.info(summary, 'filter finished');
  return summary;
}

function countsLine(counts: Readonly<Record<string, number>>): string {
  const reasons = (action: string) =>
    Object.entries(counts)
      .filter(([k]) => k.startsWith(`${action}.`))
      .map(([k, n]) => `${k.slice(action.length + 1)} ${n}`)
      .join(', ');
  const part = (action: string, n: number | undefined) => `${action} ${n ?? 0}` + (reasons(action) ? ` (${reasons(action)})` : '');
  return `kept ${counts.kept ?? 0}, ${part('removed', counts.removed)}, ${part('replaced', counts.replaced)}`;
}

export async function runTool(config: LoadedConfig, tool: string, opts: ToolOptions = {}): Promise<ToolResult> {
  const comm = opts.comm ?? new SingleProcessCommunicator();
  // Rank 0 speaks for the job; the other ranks would only repeat it.
  const quiet = comm.rank !== 0;
  const say = quiet ? () => undefined : (opts.say ?? ((l: string) => console.log(l)));
  const reporter = new ProgressReporter(quiet ? { ...opts.progress, live: false, write: () => undefined } : opts.progress);
  for (const spec of await loadPlugins(config)) {
    say(`warning: plugin ${spec} registered no tool stage here; does it import registerRunner & co. from this installation of distributed-downloader?`);
  }
  const stages = resolveTool(tool, Boolean(opts.toolNameOverride));
  const layout = new Layout(config);
  const paths = layout.tool(tool);
  if (!(await exists(layout.images))) throw new UsageError(`nothing to apply ${tool} to: ${layout.images} does not exist (download first)`);
  const source: ContextSource = { tool, config, layout, rank: comm.rank, ranks: comm.size, reporter };
  const stageWait = { timeoutMs: config.mpi.stage_timeout_s * 1000, what: `${tool}: stages on rank 0` };
  /** Rank 0 turns the checkpoint into the next one while the others wait; then all read it. */
  const onLeader = async (work: (checkpoint: ToolCheckpoint) => Promise<ToolCheckpoint>): Promise<ToolCheckpoint> => {
    await onRankZero(comm, async () => writeToolCheckpoint(paths, await work(await readToolCheckpoint(paths))), stageWait);
    return readToolCheckpoint(paths);
  };

  let checkpoint = await onLeader(async (current) => {
    const next = applyToolResets(current, opts, !(await exists(paths.checkpoint)));
    if (next.run !== current.run) say(`${tool}: starting run ${next.run} (earlier runs and their trails are kept in ${paths.dir})`);
    return next;
  });
  const result: ToolResult = { tool, run: checkpoint.run, completed: false, checkpoint };

  if (!checkpoint.filtered) {
    checkpoint = await onLeader(async (current) => {
      if (!(await readCheckpoint(layout.checkpoint)).finished) {
        say(`${tool}: warning: the download has not finished; only completed batches are used (run again with --reset-filtering once it has)`);
      }
      const s = await filterStage(toolContext(source, 'filter', current.run), stages.filter);
      result.filter = s;
      say(`${tool} filter: ${s.partitions} batches to process (${s.rows} images, ${s.selected} picked) → ${paths.filter}`);
      return { ...current, filtered: true, scheduled: false, scheduled_ranks: null, completed: false };
    });
  } else {
    say(`${tool} filter: already done (use --reset-filtering to redo)`);
  }

  if (checkpoint.completed) {
    say(`${tool}: run ${checkpoint.run} already completed (use --reset-runners to run again)`);
    return { ...result, completed: true, checkpoint };
  }

  if (!checkpoint.scheduled || checkpoint.scheduled_ranks !== comm.size) {
    checkpoint = await onLeader(async (current) => {
      const ctx = toolContext(source, 'scheduler', current.run);
      const s = await writeToolSchedule(ctx, new stages.scheduler(ctx), await unfinished(ctx, await readFilterPartitions(paths)));
      result.schedule = s;
      say(`${tool} schedule: ${s.partitions} batches (${s.rows} images) over ${s.ranks} ranks → ${paths.schedule}`);
      return { ...current, scheduled: true, scheduled_ranks: comm.size };
    });
  }

  const ctx = toolContext(source, 'runner', checkpoint.run);
  // Ranks finish their shares at different times, as at the end of a download round.
  const runnerWait = { timeoutMs: config.mpi.timeout_s * 1000, what: `${tool}: runners` };
  const gate = await onEveryRank(comm, () => runRunner(ctx, new stages.runner(ctx)), (s) => [s.failed], 1, runnerWait);
  result.runner = gate.value;
  const failed = gate.totals[0]!;
  checkpoint = await onLeader(async (current) => {
    const totals = await runTotals(ctx, await readFilterPartitions(paths));
    result.totals = totals;
    const completed = totals.done === totals.partitions;
    if (completed) await writeJsonAtomic(paths.runSummary(current.run), { tool, run: current.run, ...totals });
    const logs = path.dirname(layout.logFile(paths.logStage('runner'), current.run, 0));
    say(
      `${tool} run ${current.run}: ${totals.done}/${totals.partitions} batches done; ${countsLine(totals.counts)}` +
        (completed ? ` → ${paths.runSummary(current.run)}` : '') +
        (failed > 0 ? `; ${failed} batches failed (see ${logs}); re-run to try them again` : ''),
    );
    return { ...current, completed };
  });
  return { ...result, completed: checkpoint.completed, checkpoint };
}
