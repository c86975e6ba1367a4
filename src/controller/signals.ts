/**
 * What one epoch's (all-rank) statistics say about a host. Only outcomes of the current generation
 * count; `dns` and `client` outcomes never reached the server or are our own fault, so they are left
 * out of every count here and can never shrink a budget.
 */
import type { HostEpochStats, OutcomeClass } from './types.js';

/** The host asks us to slow down. */
const OVERLOAD_CLASSES: readonly OutcomeClass[] = ['tooMany', 'unavailable'];
/** The host is struggling or unreachable. */
const ERROR_CLASSES: readonly OutcomeClass[] = ['server5xx', 'connectFail', 'ttfbTimeout', 'bodyStall', 'reset'];
/** The host did not answer at all: what the circuit breaker watches. */
const UNREACHABLE_CLASSES: readonly OutcomeClass[] = ['connectFail', 'ttfbTimeout'];
/** The host answered and was fine. */
const SERVED_CLASSES: readonly OutcomeClass[] = ['ok', 'final4xx'];

function countOf(stats: HostEpochStats, classes: readonly OutcomeClass[]): number {
  let n = 0;
  for (const c of classes) n += stats.outcomes[c];
  return n;
}

/** 429 and 503 answers. */
export function overloadCount(stats: HostEpochStats): number {
  return countOf(stats, OVERLOAD_CLASSES);
}

/** Other 5xx, connect failures, timeouts, stalls and resets. */
export function errorCount(stats: HostEpochStats): number {
  return countOf(stats, ERROR_CLASSES);
}

/** Requests the host answered without complaint (2xx and final 4xx). */
export function servedCount(stats: HostEpochStats): number {
  return countOf(stats, SERVED_CLASSES);
}

/** Completions that say something about the host: everything but `dns` and `client`. */
export function completionCount(stats: HostEpochStats): number {
  return servedCount(stats) + overloadCount(stats) + errorCount(stats);
}

export type HardSignal = 'overload' | 'error';

/**
 * Hard overload: 429/503 above `overloadShare` of the completions, or errors above `errorShare`.
 * Overload wins when both hold, since it also starts the pacer.
 */
export function hardSignal(stats: HostEpochStats, overloadShare: number, errorShare: number): HardSignal | undefined {
  const total = completionCount(stats);
  if (total === 0) return undefined;
  if (overloadCount(stats) > overloadShare * total) return 'overload';
  if (errorCount(stats) > errorShare * total) return 'error';
  return undefined;
}

/** True when the host produced failures that say it is unreachable and nothing else. */
export function onlyUnreachable(stats: HostEpochStats): boolean {
  const unreachable = countOf(stats, UNREACHABLE_CLASSES);
  return unreachable > 0 && unreachable === completionCount(stats);
}

/** True when the host answered at least once (whatever the status). */
export function answered(stats: HostEpochStats): boolean {
  return completionCount(stats) > countOf(stats, UNREACHABLE_CLASSES);
}

/** Nothing happened: no request started, finished, waited or was in flight. */
export function isIdle(stats: HostEpochStats): boolean {
  return (
    stats.started === 0 &&
    stats.backlog === 0 &&
    stats.inflightAvg === 0 &&
    stats.staleOutcomes === 0 &&
    completionCount(stats) === 0 &&
    stats.outcomes.dns === 0 &&
    stats.outcomes.client === 0
  );
}

/** Share of rank-time in the epoch spent with queued work while at the share. */
export function demandLimitedShare(stats: HostEpochStats): number {
  return stats.epochSeconds > 0 ? stats.demandLimitedSeconds / stats.epochSeconds : 0;
}

/** Share of rank-time in the epoch the ranks' event loops were busy: near 1, the client was the bottleneck. */
export function clientBusyShare(stats: HostEpochStats): number {
  return stats.epochSeconds > 0 ? stats.clientBusySeconds / stats.epochSeconds : 0;
}
