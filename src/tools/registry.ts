/**
 * The three registries, filter, scheduler and runner, keyed by tool name. Built-ins and plugins
 * register into the same ones at import, so a plugin tool is found wherever a built-in is.
 */
import { UsageError } from '../pipeline/errors.js';
import type { ToolContext, ToolStage } from './context.js';
import { AllBatchesFilter, type FilterTool } from './filter.js';
import type { RunnerTool } from './runner.js';
import { DefaultScheduler, type SchedulerTool } from './scheduler.js';

export type FilterConstructor = new (ctx: ToolContext) => FilterTool;
export type SchedulerConstructor = new (ctx: ToolContext) => SchedulerTool;
export type RunnerConstructor = new (ctx: ToolContext) => RunnerTool;

/** A tool name is a folder name under tools/. */
const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const filters = new Map<string, FilterConstructor>();
const schedulers = new Map<string, SchedulerConstructor>();
const runners = new Map<string, RunnerConstructor>();

function register<C>(registry: Map<string, C>, stage: ToolStage, name: string, stageClass: C): void {
  if (!TOOL_NAME.test(name)) {
    throw new Error(`cannot register ${stage} "${name}": a tool name is letters, digits, '_', '.' and '-', starting with a letter or digit`);
  }
  const existing = registry.get(name);
  if (existing !== undefined && existing !== stageClass) throw new Error(`a ${stage} is already registered for tool "${name}"`);
  registry.set(name, stageClass);
}

export function registerFilter(name: string, filter: FilterConstructor): void {
  register(filters, 'filter', name, filter);
}

export function registerScheduler(name: string, scheduler: SchedulerConstructor): void {
  register(schedulers, 'scheduler', name, scheduler);
}

export function registerRunner(name: string, runner: RunnerConstructor): void {
  register(runners, 'runner', name, runner);
}

/** Names with at least one registered stage, sorted. */
export function registeredTools(): string[] {
  return [...new Set([...filters.keys(), ...schedulers.keys(), ...runners.keys()])].sort();
}

/** How many stages are registered in all: tells whether loading a plugin registered anything. */
export function registrationCount(): number {
  return filters.size + schedulers.size + runners.size;
}

export interface ToolStages {
  filter: FilterConstructor;
  scheduler: SchedulerConstructor;
  runner: RunnerConstructor;
}

/**
 * The stages of a tool. A tool needs a runner; a missing filter or scheduler is refused unless
 * `useDefaults` (--tool-name-override) lets the default ones stand in: every completed batch, spread
 * over the ranks. Refusing by default catches a stage registered under a misspelled name.
 */
export function resolveTool(name: string, useDefaults: boolean): ToolStages {
  const filter = filters.get(name);
  const scheduler = schedulers.get(name);
  const runner = runners.get(name);
  if (!filter && !scheduler && !runner) {
    throw new UsageError(
      `no tool named "${name}"; registered tools: ${registeredTools().join(', ')} ` +
        '(custom tools come from the modules listed in tools_parameters.plugins)',
    );
  }
  if (!runner) throw new UsageError(`tool "${name}" has no runner registered (registerRunner("${name}", …))`);
  const missing = [filter ? null : 'filter', scheduler ? null : 'scheduler'].filter((s) => s !== null);
  if (missing.length > 0 && !useDefaults) {
    throw new UsageError(
      `tool "${name}" registers no ${missing.join(' and no ')}; register one, or pass --tool-name-override to use the default ` +
        '(filter: every completed batch; scheduler: batches spread over the ranks)',
    );
  }
  return { filter: filter ?? AllBatchesFilter, scheduler: scheduler ?? DefaultScheduler, runner };
}
