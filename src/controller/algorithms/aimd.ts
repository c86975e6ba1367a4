/**
 * Classic AIMD on the concurrency limit: add a fixed step per epoch while the host is
 * demand-limited, multiply by a factor on any hard signal (429, 503, other 5xx, timeout, stall,
 * reset, connect failure), however few. Retry-After is honoured as in the adaptive policy, so the
 * benchmark compares the limit rules and not manners.
 */
import { clamp, initialLimit, wholeLimit, type AlgorithmContext, type LimitAlgorithm } from '../algorithm.js';
import type { ControllerOptions } from '../options.js';
import { RetryAfterGate } from '../retry-after.js';
import { demandLimitedShare, errorCount, overloadCount } from '../signals.js';
import type { HostDecision, HostEpochStats } from '../types.js';

export class AimdLimit implements LimitAlgorithm {
  readonly phase = 'aimd';
  private readonly o: ControllerOptions;
  private limit: number;
  private generation = 0;
  private readonly retryAfter: RetryAfterGate;

  constructor(ctx: AlgorithmContext) {
    this.o = ctx.options;
    this.limit = initialLimit(ctx);
    this.retryAfter = new RetryAfterGate(ctx.host, this.o.retry_after_cap_ms, this.o.retry_after_jitter_ms);
  }

  decide(stats: HostEpochStats, nowMs: number): HostDecision {
    this.retryAfter.observe(stats.retryAfterUntil, nowMs);
    if (overloadCount(stats) + errorCount(stats) > 0) {
      this.limit = this.bounded(this.limit * this.o.aimd.multiplicative_decrease);
      this.generation += 1;
    } else if (demandLimitedShare(stats) >= this.o.demand_limited_fraction) {
      this.limit = this.bounded(this.limit + this.o.aimd.additive_step);
    }
    return this.current(nowMs);
  }

  current(nowMs: number): HostDecision {
    return {
      limit: wholeLimit(this.limit, this.o.min_limit, this.o.max_limit),
      pacingRate: 0,
      blockedUntil: this.retryAfter.blockedUntil(nowMs),
      generation: this.generation,
    };
  }

  private bounded(limit: number): number {
    return clamp(limit, this.o.min_limit, this.o.max_limit);
  }
}
