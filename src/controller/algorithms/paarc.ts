/**
 * FLOW-DC's PAARC (Policy-Aware Adaptive Request Controller) as a baseline, run once per epoch on
 * the all-rank statistics. What is public: FLOW-DC's README gives the parameters and their meaning
 * (C_init/C_min/C_max bounds, utilization mu, backoff multiplier beta on overload, p50/p95
 * thresholds theta_50/theta_95 as multiples of RTprop, RTprop refreshed every probe_rtt_period,
 * latency smoothing alpha_ema), and its source the BBR-like states (startup, probe-bandwidth,
 * probe-RTT, backoff) and the BDP-style target mu·throughput·RTprop. Where that leaves a choice
 * open, this implementation chooses:
 * - RTprop is the lowest per-epoch 10th-percentile TTFB (a histogram has no exact minimum). Outside
 *   probe-RTT it only moves down; the first reading of each probe-RTT phase replaces it.
 * - Percentiles of an epoch count only with at least paarc.min_samples samples.
 * - Throughput is answered requests per second (2xx and final 4xx).
 * - Overload is any 429, 503, other 5xx, timeout, stall, reset or connect failure of the current
 *   generation; `dns` and `client` failures never count (DESIGN §6). Every backoff bumps the
 *   generation. Retry-After only lengthens the backoff cooldown: PAARC does not block a host.
 * - Startup multiplies C by paarc.startup_growth per epoch and ends on degraded latency, on a
 *   goodput plateau (no 2 % growth over paarc.plateau_epochs epochs) or at C_max; C is then scaled by
 *   mu (FLOW-DC's operating point: ceiling × mu).
 * - Probe-bandwidth, while latency is healthy, raises C to at least the BDP target mu·throughput·
 *   RTprop and then adds max(1, probe_gain·C) per epoch; degraded latency holds C (as FLOW-DC's
 *   source does: latency gates growth, only overload cuts). The BDP target rarely binds, since
 *   throughput measured at C is about C / latency and RTprop is below the latency. Growth (here and
 *   in startup) needs the host to be demand-limited: FLOW-DC's own semaphore is always saturated,
 *   ours only when work is queued.
 * - With the published thetas and RTprop a low percentile, a host whose TTFB spread alone puts p95
 *   above 2 × p10 always looks degraded, and PAARC then stays near C_init: that is the rule, not a
 *   bug of this port.
 * - Probe-RTT runs C at probe_rtt_fraction for probe_rtt_epochs epochs, then restores C.
 * - Backoff lasts at least cooldown_s seconds (or until Retry-After), is extended and cut again by
 *   beta on further overload, and returns to probe-bandwidth.
 * - Pacing is FLOW-DC's smoother rate C / RTprop once RTprop is known.
 * - Idle epochs change nothing (FLOW-DC skips intervals without traffic). The profiled rate is not
 *   used: PAARC starts every host at C_init.
 */
import { clamp, EpochClock, wholeLimit, type AlgorithmContext, type LimitAlgorithm } from '../algorithm.js';
import { histogramCount, quantile } from '../histogram.js';
import type { PaarcOptions } from '../options.js';
import { demandLimitedShare, errorCount, isIdle, overloadCount, servedCount } from '../signals.js';
import type { HostDecision, HostEpochStats } from '../types.js';

type PaarcPhase = 'startup' | 'probe_bw' | 'probe_rtt' | 'backoff';

/** Goodput must grow by this factor over plateau_epochs epochs for startup to continue (FLOW-DC's 2 %). */
const PLATEAU_GROWTH = 1.02;

export class PaarcLimit implements LimitAlgorithm {
  private readonly p: PaarcOptions;
  private readonly demandLimitedFraction: number;
  private c: number;
  private stage: PaarcPhase = 'startup';
  private generation = 0;
  private emaP50: number | undefined;
  private emaP95: number | undefined;
  private rtprop: number | undefined;
  /** True from entering probe-RTT until its first reading replaced RTprop. */
  private refreshRtprop = false;
  private lastProbeRttMs = 0;
  private probeRttLeft = 0;
  private savedC = 0;
  private cooldownUntil = 0;
  private readonly goodputs: number[] = [];
  private readonly clock: EpochClock;

  constructor(ctx: AlgorithmContext) {
    this.p = ctx.options.paarc;
    this.demandLimitedFraction = ctx.options.demand_limited_fraction;
    this.c = this.bounded(this.p.c_init);
    this.clock = new EpochClock(ctx.options.epoch_ms);
  }

  get phase(): string {
    return this.stage;
  }

  decide(stats: HostEpochStats, nowMs: number): HostDecision {
    const seconds = this.clock.tick(nowMs);
    if (isIdle(stats)) return this.current();
    this.measure(stats);
    const goodput = servedCount(stats) / seconds;
    this.goodputs.push(goodput);
    if (this.goodputs.length > this.p.plateau_epochs + 1) this.goodputs.shift();
    if (overloadCount(stats) + errorCount(stats) > 0) {
      this.backoff(stats, nowMs);
      return this.current();
    }
    const demandLimited = demandLimitedShare(stats) >= this.demandLimitedFraction;
    switch (this.stage) {
      case 'startup':
        this.startup(demandLimited, nowMs);
        break;
      case 'probe_bw':
        this.probeBandwidth(goodput, demandLimited, nowMs);
        break;
      case 'probe_rtt':
        this.probeRtt(nowMs);
        break;
      case 'backoff':
        if (nowMs >= this.cooldownUntil) this.enterProbeBandwidth(nowMs);
        break;
    }
    return this.current();
  }

  current(): HostDecision {
    const limit = wholeLimit(this.c, this.p.c_min, this.p.c_max);
    return {
      limit,
      pacingRate: this.rtprop === undefined ? 0 : limit / (this.rtprop / 1000),
      blockedUntil: 0,
      generation: this.generation,
    };
  }

  private measure(stats: HostEpochStats): void {
    if (histogramCount(stats.ttfbHist) < this.p.min_samples) return;
    const a = this.p.alpha_ema;
    const ema = (prev: number | undefined, x: number): number => (prev === undefined ? x : a * x + (1 - a) * prev);
    this.emaP50 = ema(this.emaP50, quantile(stats.ttfbHist, 0.5));
    this.emaP95 = ema(this.emaP95, quantile(stats.ttfbHist, 0.95));
    const p10 = quantile(stats.ttfbHist, 0.1);
    this.rtprop = this.refreshRtprop || this.rtprop === undefined ? p10 : Math.min(this.rtprop, p10);
    this.refreshRtprop = false;
  }

  private degraded(): boolean {
    if (this.rtprop === undefined || this.emaP50 === undefined || this.emaP95 === undefined) return false;
    return this.emaP50 > this.p.theta_50 * this.rtprop || this.emaP95 > this.p.theta_95 * this.rtprop;
  }

  /** mu × throughput × RTprop: the concurrency that carries the measured throughput at minimum latency. */
  private bdp(goodput: number): number | undefined {
    if (this.rtprop === undefined || goodput <= 0) return undefined;
    return this.p.mu * goodput * (this.rtprop / 1000);
  }

  private plateau(): boolean {
    const g = this.goodputs;
    if (g.length <= this.p.plateau_epochs) return false;
    const first = g[0]!;
    return first > 0 && g.slice(1).every((x) => x <= first * PLATEAU_GROWTH);
  }

  private startup(demandLimited: boolean, nowMs: number): void {
    if (this.degraded() || this.plateau() || this.c >= this.p.c_max) {
      this.c = this.bounded(this.p.mu * this.c);
      this.enterProbeBandwidth(nowMs);
    } else if (demandLimited) {
      this.c = this.bounded(this.c * this.p.startup_growth);
    }
  }

  private probeBandwidth(goodput: number, demandLimited: boolean, nowMs: number): void {
    if (nowMs - this.lastProbeRttMs >= this.p.probe_rtt_period_s * 1000) {
      this.savedC = this.c;
      this.c = this.bounded(this.c * this.p.probe_rtt_fraction);
      this.probeRttLeft = this.p.probe_rtt_epochs;
      this.refreshRtprop = true;
      this.stage = 'probe_rtt';
      return;
    }
    if (this.degraded() || !demandLimited) return;
    const base = Math.max(this.c, this.bdp(goodput) ?? 0);
    this.c = this.bounded(base + Math.max(1, this.p.probe_gain * base));
  }

  private probeRtt(nowMs: number): void {
    this.probeRttLeft -= 1;
    if (this.probeRttLeft > 0) return;
    this.c = this.savedC;
    this.enterProbeBandwidth(nowMs);
  }

  private backoff(stats: HostEpochStats, nowMs: number): void {
    const from = this.stage === 'probe_rtt' ? this.savedC : this.c;
    this.c = this.bounded(from * this.p.beta);
    this.generation += 1;
    this.refreshRtprop = false;
    this.cooldownUntil = Math.max(nowMs + this.p.cooldown_s * 1000, stats.retryAfterUntil);
    this.stage = 'backoff';
  }

  private enterProbeBandwidth(nowMs: number): void {
    this.stage = 'probe_bw';
    this.lastProbeRttMs = nowMs;
  }

  private bounded(c: number): number {
    return clamp(c, this.p.c_min, this.p.c_max);
  }
}
