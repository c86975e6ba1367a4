/**
 * The default policy, DESIGN §6: a per-host concurrency limit driven by TTFB against a baseline,
 * with multiplicative cuts on hard overload, Retry-After, a pacer after 429 and a circuit breaker.
 *
 * Choices the design leaves open, made here:
 * - A hard cut starts from what was in use (min of L and the epoch's peak in-flight), not from L: a
 *   limit far above the actual load would otherwise be "cut" without slowing anything down. That
 *   value is also the remembered ceiling.
 * - A latency shrink and a startup fallback remember a ceiling too (the L at which queueing showed),
 *   so steady growth near the host's capacity is +1 rather than +√L. Once L grows past
 *   ceiling / near_ceiling_fraction without trouble, the ceiling is forgotten (the host got faster).
 * - Medians carry a confidence band (latency-window.ts). "Inflated" (g < 1) means even the low end
 *   of the band is above B·(1+tol); growth, in startup and steady state, needs even the high end
 *   within it. In between (maybe queueing, maybe noise) L holds, and startup ends without falling
 *   back. Growing only on clear evidence is what keeps a busy host near 1.05–1.1 × its capacity
 *   instead of drifting up while single readings look fine by chance.
 * - While the pacer holds requests back (requests started at ≈ its rate), L does not grow: the
 *   pacer, not the concurrency, is then the binding limit and it probes upwards on its own. It is
 *   released once L at baseline latency could not reach its rate anyway.
 * - The generation is bumped on hard cuts and when the breaker opens, not on latency shrinks, so
 *   429s of requests sent just before a latency shrink still count.
 * - A breaker that closes restarts the host in startup from min(L, initial limit).
 * - Until a host has produced one reading with min_samples samples it has no baseline, and its L
 *   stays where it is (hard signals still act): a host too slow to measure is not pushed harder.
 * - Baseline probe: a host held at its limit never runs without queueing, so once the window that
 *   set the baseline is about to leave the history, every later median is inflated and the
 *   baseline (and with it L) would creep upwards. Then, in steady state and demand-limited, L drops
 *   to L/(1+tol)² for one settling epoch plus one reading, whose median refreshes the baseline;
 *   after it L is restored (as BBR's probe-RTT). It costs about 1 % of a busy host's throughput.
 */
import {
  clamp,
  EpochClock,
  initialLimit,
  wholeLimit,
  type AlgorithmContext,
  type LimitAlgorithm,
} from '../algorithm.js';
import { CircuitBreaker } from '../circuit-breaker.js';
import { Baseline, LatencyWindow } from '../latency-window.js';
import type { ControllerOptions } from '../options.js';
import { Pacer } from '../pacer.js';
import { RetryAfterGate } from '../retry-after.js';
import { hardSignal, isIdle, servedCount, type HardSignal } from '../signals.js';
import type { HostDecision, HostEpochStats } from '../types.js';

type Phase = 'startup' | 'steady';

/** What a latency reading says, against the baseline and its tolerance. */
interface Verdict {
  /** clamp(B·(1+tol) / p50, 0.5, 1), with p50 at the low end of its band: below 1 only when clearly inflated. */
  g: number;
  /** Even the high end of the band is within B·(1+tol): clearly no queueing. */
  atBaseline: boolean;
}

/** A baseline probe in progress. */
interface Probe {
  /** Limit to restore when the probe ends. */
  saved: number;
  /** True during the first epoch, whose requests were mostly sent before L dropped. */
  settling: boolean;
}

export class AdaptiveLimit implements LimitAlgorithm {
  private readonly o: ControllerOptions;
  private readonly initial: number;
  private limit: number;
  /** Last limit whose latency was at baseline during startup. */
  private lastGood: number;
  /** Limit (or in-flight) at which the host last showed overload; undefined when unknown. */
  private ceiling: number | undefined;
  private stage: Phase = 'startup';
  private holdLeft = 0;
  /** Consecutive latency readings above the tolerance. */
  private inflatedRun = 0;
  private probe: Probe | undefined;
  /** Answers per second in the previous epoch. */
  private servedRate = 0;
  private generation = 0;
  private readonly clock: EpochClock;
  private readonly window: LatencyWindow;
  private readonly baseline: Baseline;
  private readonly breaker: CircuitBreaker;
  private readonly retryAfter: RetryAfterGate;
  private readonly pacer: Pacer;

  constructor(ctx: AlgorithmContext) {
    const o = ctx.options;
    this.o = o;
    this.initial = initialLimit(ctx);
    this.limit = this.initial;
    this.lastGood = this.initial;
    this.clock = new EpochClock(o.epoch_ms);
    this.window = new LatencyWindow(o.min_samples, o.max_window_epochs, o.latency_confidence);
    this.baseline = new Baseline(o.baseline_window);
    this.breaker = new CircuitBreaker(o.breaker_base_ms, o.breaker_max_ms);
    this.retryAfter = new RetryAfterGate(ctx.host, o.retry_after_cap_ms, o.retry_after_jitter_ms);
    this.pacer = new Pacer(o.pacer_start_fraction, o.pacer_growth);
  }

  get phase(): string {
    if (!this.breaker.isClosed) return 'breaker';
    return this.probe === undefined ? this.stage : 'probe';
  }

  decide(stats: HostEpochStats, nowMs: number): HostDecision {
    const seconds = this.clock.tick(nowMs);
    const holding = this.holdLeft > 0;
    if (holding) this.holdLeft -= 1;
    if (isIdle(stats)) {
      this.resetLatency();
      this.limit += (this.initial - this.limit) * this.o.idle_decay;
    } else {
      this.retryAfter.observe(stats.retryAfterUntil, nowMs);
      if (this.watchBreaker(stats, nowMs)) {
        const hard = hardSignal(stats, this.o.overload_share, this.o.error_share);
        if (hard !== undefined) this.cut(hard, stats, seconds);
        else this.judge(stats, seconds, holding);
      }
    }
    this.servedRate = servedCount(stats) / seconds;
    return this.current(nowMs);
  }

  current(nowMs: number): HostDecision {
    return {
      limit: this.breaker.isClosed ? wholeLimit(this.limit, this.o.min_limit, this.o.max_limit) : 1,
      pacingRate: this.pacer.rate,
      blockedUntil: Math.max(this.retryAfter.blockedUntil(nowMs), this.breaker.blockedUntil(nowMs)),
      generation: this.generation,
    };
  }

  /** Feeds the breaker; true when it is closed and the epoch should be judged normally. */
  private watchBreaker(stats: HostEpochStats, nowMs: number): boolean {
    const transition = this.breaker.observe(stats, nowMs);
    if (transition === 'opened') {
      this.generation += 1;
      this.resetLatency();
    } else if (transition === 'closed') {
      this.limit = Math.min(this.limit, this.initial);
      this.lastGood = this.limit;
      this.stage = 'startup';
    }
    return this.breaker.isClosed;
  }

  private cut(signal: HardSignal, stats: HostEpochStats, seconds: number): void {
    this.resetLatency();
    const factor = signal === 'overload' ? this.o.overload_cut : this.o.error_cut;
    const inUse = Math.min(this.limit, Math.max(1, stats.inflightPeak));
    this.ceiling = inUse;
    this.limit = clamp(inUse * factor, this.o.min_limit, this.o.max_limit);
    this.stage = 'steady';
    this.holdLeft = this.o.hold_epochs;
    this.generation += 1;
    // The epoch of the 429s also lost time to them; the one before shows what the host served.
    const served = Math.max(servedCount(stats) / seconds, this.servedRate);
    if (signal === 'overload' && stats.outcomes.tooMany > 0) this.pacer.start(served, factor);
  }

  private judge(stats: HostEpochStats, seconds: number, holding: boolean): void {
    const pacerBinding = this.pacer.binding(stats.started / seconds);
    if (!holding) this.tunePacer(stats);
    if (this.probe?.settling) {
      this.probe.settling = false;
      return;
    }
    const reading = this.window.add(stats);
    if (reading === undefined) return;
    if (reading.full) this.baseline.push(reading.high);
    if (this.probe !== undefined) {
      this.limit = this.probe.saved;
      this.probe = undefined;
      return;
    }
    const base = this.baseline.value;
    // Only thin readings so far: nothing trustworthy to compare with, so no latency decision.
    if (base === undefined) return;
    const threshold = base * (1 + this.o.latency_tolerance);
    const latency: Verdict = { g: clamp(threshold / reading.low, 0.5, 1), atBaseline: reading.high <= threshold };
    this.inflatedRun = latency.g < 1 ? this.inflatedRun + 1 : 0;
    if (holding) return;
    const demandLimited = reading.demandLimited >= this.o.demand_limited_fraction;
    if (this.stage === 'startup') this.startup(latency, demandLimited && !pacerBinding);
    else if (demandLimited && this.baseline.expiring) this.startProbe();
    else this.steady(latency, demandLimited && !pacerBinding);
  }

  private startProbe(): void {
    this.probe = { saved: this.limit, settling: true };
    this.limit = clamp(this.limit / (1 + this.o.latency_tolerance) ** 2, this.o.min_limit, this.o.max_limit);
  }

  private tunePacer(stats: HostEpochStats): void {
    if (!this.pacer.active) return;
    if (stats.outcomes.tooMany === 0) this.pacer.raise();
    const base = this.baseline.value;
    if (base !== undefined) this.pacer.releaseIfRedundant(this.limit, base);
  }

  private startup(latency: Verdict, mayGrow: boolean): void {
    if (latency.g < 1) {
      this.ceiling = this.limit;
      this.limit = this.lastGood;
      this.stage = 'steady';
      return;
    }
    if (!latency.atBaseline) {
      // Maybe queueing, maybe noise: stop multiplying, let the steady rule go on from here.
      this.stage = 'steady';
      return;
    }
    this.lastGood = this.limit;
    if (!mayGrow) return;
    const cap = Math.min(this.o.max_limit, this.ceiling ?? Number.POSITIVE_INFINITY);
    this.limit = Math.max(this.limit, Math.min(this.limit * this.o.startup_growth, cap));
    if (this.ceiling !== undefined && this.limit >= this.o.near_ceiling_fraction * this.ceiling) this.stage = 'steady';
  }

  private steady(latency: Verdict, mayGrow: boolean): void {
    if (this.inflatedRun >= 2) {
      this.ceiling = this.limit;
      this.limit = clamp(this.limit * (1 - 0.5 * (1 - latency.g)), this.o.min_limit, this.o.max_limit);
      return;
    }
    if (!latency.atBaseline || !mayGrow) return;
    const near = this.o.near_ceiling_fraction;
    if (this.ceiling !== undefined && this.limit > this.ceiling / near) this.ceiling = undefined;
    const room = this.ceiling === undefined ? Number.POSITIVE_INFINITY : near * this.ceiling - this.limit;
    const step = room <= 0 ? 1 : Math.max(1, Math.min(Math.sqrt(this.limit), room));
    this.limit = Math.min(this.o.max_limit, this.limit + step);
  }

  /** Drops latency evidence gathered under another limit; an interrupted probe gives its limit back. */
  private resetLatency(): void {
    if (this.probe !== undefined) this.limit = this.probe.saved;
    this.probe = undefined;
    this.window.reset();
    this.inflatedRun = 0;
  }
}
