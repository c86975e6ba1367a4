/**
 * The tools pipeline's public API: run a tool, and write your own. A custom tool registers a filter,
 * a scheduler and a runner under one name, in a module listed in `tools_parameters.plugins`.
 */
export { runTool, type ToolOptions, type ToolResult } from './pipeline.js';
export { registerFilter, registerScheduler, registerRunner, registeredTools, type FilterConstructor, type SchedulerConstructor, type RunnerConstructor } from './registry.js';
export type { ToolContext, ToolStage } from './context.js';
export { FilterTool, AllBatchesFilter, RowFilter, FilterOutput, type Verdict, type Selection, type FilterPartition, type FilterSummary } from './filter.js';
export { SchedulerTool, DefaultScheduler, type ToolAssignment, type ToolScheduleSummary } from './scheduler.js';
export { RunnerTool, RewriteRunner, RemoveSelectedRunner, KEEP, type BatchResult, type ToolBatch } from './runner.js';
export type { RowDecision, RewriteCounts } from './rewrite.js';
export type { RunnerSummary, RunTotals } from './runner-stage.js';
export type { ToolCheckpoint } from './checkpoint.js';
export { completedBatches, successesFile } from './batches.js';
export { streamSuccessMeta, rowsOf, META_COLUMNS, type SuccessRow, type SuccessMeta, type Size } from './rows.js';
export { md5Hex } from '../engine/image.js';
export { SizeBasedFilter, DuplicationFilter, ResizeRunner, ImageVerificationRunner } from './builtins/index.js';
