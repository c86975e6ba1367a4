/**
 * The Python tool's fixed rate band, as a baseline. A host with rate r (its profiled rate_limit, or
 * default_rate_limit) is paced within [max(1, r·(1−m)), r·(1+m)], m = rate_multiplier, starting at r:
 * nudged up by rate_step·r after an epoch with answers and no 429/5xx, down by the same after a
 * 429/5xx. Its concurrency limit is ceil(r·(1+m)). It never leaves the band, never blocks (the seed
 * does not read Retry-After) and never bumps the generation: that rigidity is what it is measured for.
 */
import { clamp, type AlgorithmContext, type LimitAlgorithm } from '../algorithm.js';
import { completionCount } from '../signals.js';
import type { HostDecision, HostEpochStats } from '../types.js';

export class FixedRate implements LimitAlgorithm {
  readonly phase = 'fixed';
  private rate: number;
  private readonly lo: number;
  private readonly hi: number;
  private readonly step: number;

  constructor(ctx: AlgorithmContext) {
    const f = ctx.options.fixed;
    const r = ctx.initialRate !== undefined && ctx.initialRate > 0 ? ctx.initialRate : f.default_rate_limit;
    this.lo = Math.max(1, r * (1 - f.rate_multiplier));
    this.hi = Math.max(this.lo, r * (1 + f.rate_multiplier));
    this.step = f.rate_step * r;
    this.rate = clamp(r, this.lo, this.hi);
  }

  decide(stats: HostEpochStats): HostDecision {
    const { tooMany, unavailable, server5xx } = stats.outcomes;
    if (tooMany + unavailable + server5xx > 0) this.rate = Math.max(this.lo, this.rate - this.step);
    else if (completionCount(stats) > 0) this.rate = Math.min(this.hi, this.rate + this.step);
    return this.current();
  }

  current(): HostDecision {
    return { limit: Math.ceil(this.hi), pacingRate: this.rate, blockedUntil: 0, generation: 0 };
  }
}
