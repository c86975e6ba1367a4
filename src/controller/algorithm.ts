/**
 * One interface for every limit policy (as in Netflix's concurrency-limits): a small object per host
 * that keeps that host's state and turns each epoch's statistics, summed over all ranks, into the
 * host's decision. Implementations are deterministic: same inputs, same decisions, on every rank.
 */
import type { ControllerOptions } from './options.js';
import type { HostDecision, HostEpochStats } from './types.js';

export interface LimitAlgorithm {
  /**
   * Decides for the coming epoch. `stats` are the host's statistics of the epoch that just ended,
   * summed over all ranks (empty stats when the host was idle); `nowMs` is the epoch's time, the same
   * on every rank. Must not modify `stats`.
   */
  decide(stats: HostEpochStats, nowMs: number): HostDecision;
  /** The decision in force now (also before the first epoch). */
  current(nowMs: number): HostDecision;
  /** Name of the policy's current phase, for logs and metrics. */
  readonly phase: string;
}

/** What a policy is created from. */
export interface AlgorithmContext {
  host: string;
  options: ControllerOptions;
  /** The profiler's rate_limit for the host (requests/s), if it has one: it only seeds the start. */
  initialRate: number | undefined;
}

/** Keeps a value inside [lo, hi]. */
export function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** A policy's internal (fractional) limit as the whole number of requests the engine enforces. */
export function wholeLimit(value: number, lo: number, hi: number): number {
  return clamp(Math.floor(value + 1e-9), Math.ceil(lo), Math.floor(hi));
}

/**
 * Starting limit of a host: the profiled rate r as ceil(r) concurrent requests (Little's law with an
 * assumed 1 s response time), or initial_limit without a profile; within [min_limit, max_limit].
 */
export function initialLimit(ctx: AlgorithmContext): number {
  const { options: o, initialRate } = ctx;
  const seeded = initialRate !== undefined && initialRate > 0 ? Math.ceil(initialRate) : o.initial_limit;
  return clamp(seeded, o.min_limit, o.max_limit);
}

/**
 * Tracks the time between decisions. The first decision assumes a full epoch; a clock that did not
 * advance also counts as one epoch so rates never divide by zero.
 */
export class EpochClock {
  private lastMs: number | undefined;

  constructor(private readonly epochMs: number) {}

  /** Seconds since the previous call. */
  tick(nowMs: number): number {
    const elapsed = this.lastMs === undefined || nowMs <= this.lastMs ? this.epochMs : nowMs - this.lastMs;
    this.lastMs = nowMs;
    return elapsed / 1000;
  }
}
