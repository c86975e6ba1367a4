/**
 * The default policy, DESIGN §6: a per-host concurrency limit driven by TTFB against a baseline,
 * with multiplicative cuts on hard overload, Retry-After, a pacer after 429 and a circuit breaker.
 *
 * Choices the design leaves open, made here:
 * - A hard cut starts from what was in use (min of L and the epoch's peak in-flight), not from L: a
 *   limit far above the actual load would otherwise be "cut" without slowing anything down. That
 *   value is also the remembered ceiling.
 * - A latency shrink and a startup fallback remember a ceiling too (the whole L at which queueing
 *   showed). Readings taken at or above it are kept out of the baseline; steady growth near it is
 *   +1 rather than +√L, and the last request up to it comes in fractions, halved with every time
 *   the ceiling is seen again, and only on clear readings, so a host held at its capacity is probed
 *   above it ever more rarely: one request over a small host's capacity is a large share of its
 *   load. Once L grows past ceiling / near_ceiling_fraction without trouble, the ceiling is
 *   forgotten (the host got faster).
 * - Medians and the baseline carry standard errors (latency-window.ts), and every comparison
 *   allows for both. "Inflated" (g < 1) means even the low end of the band is above B·(1+tol);
 *   "clear" means even its high end is within. A reading in between gathers more epochs, up to
 *   max_window_epochs, until it is one or the other (a queued request raises a small host's
 *   latency by 1/C, which one epoch's band may hide); if it is still undecided then, its median
 *   decides whether L may grow (but not into a remembered ceiling), and L does not shrink on it.
 * - Little's law, with the time-averaged in-flight and answers per second of each reading: at
 *   capacity throughput stays flat while in-flight and latency grow. Startup falls back to the
 *   capacity that n in flight at p50/B times the unloaded latency imply, n·B/p50. In steady state
 *   a median above the tolerance after a step up that did not raise throughput by half as much as
 *   the limit is queueing, as two inflated readings are; either shrinks L by 0.5·(1−g), and by a
 *   whole request at least.
 * - Latency decides only while the host was busy at L: with its time-averaged in-flight at
 *   utilisation_fraction of L (a rank that ran out of work leaves its share unused, which says
 *   nothing about L). L grows only when demand-limited, too. Nor does it decide while the client
 *   was the bottleneck (its event loop busy client_busy_fraction of the time): the client's own
 *   queueing then inflates every TTFB alike.
 * - Baseline probe: L drops to min(L/(1+tol)², L−1) for one settling epoch plus one reading, as
 *   BBR's probe-RTT. It runs at the end of every startup and when the baseline rests on old
 *   readings only (a host held at its limit never runs without queueing, so the baseline would
 *   creep up). A host whose capacity is below its starting limit queues from its first request
 *   on and never shows its unloaded latency: if the probe's latency fell in proportion to the
 *   limit, the host was saturated at the probe's limit too, and the next probe goes lower still.
 *   Otherwise L is restored, which counts as a step up for the throughput check above.
 * - While the pacer holds requests back (requests started at ≈ its rate), L does not grow: the
 *   pacer, not the concurrency, is then the binding limit and it probes upwards on its own. It is
 *   released once L at baseline latency could not reach its rate anyway.
 * - The generation is bumped on hard cuts and when the breaker opens, not on latency shrinks, so
 *   429s of requests sent just before a latency shrink still count.
 * - A breaker that closes restarts the host in startup from min(L, initial limit).
 * - Until a host has produced one reading with min_samples samples it has no baseline, and its L
 *   stays where it is (hard signals still act): a host too slow to measure is not pushed harder.
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
import { Baseline, LatencyWindow, type LatencyReading, type LogEstimate } from '../latency-window.js';
import type { ControllerOptions } from '../options.js';
import { Pacer } from '../pacer.js';
import { RetryAfterGate } from '../retry-after.js';
import { clientBusyShare, hardSignal, isIdle, overloadCount, servedCount, type HardSignal } from '../signals.js';
import type { HostDecision, HostEpochStats } from '../types.js';

type Phase = 'startup' | 'steady';

/** Most halvings of the last step up to a remembered ceiling: at least one try per 16 clean readings. */
const MAX_CEILING_HALVINGS = 4;

/**
 * What a latency reading says against the threshold B·(1+tol). The band is ±latency_confidence
 * standard errors of the difference between the reading's median and the baseline, both noisy.
 */
interface Verdict {
  /** clamp(B·(1+tol) / p50, 0.5, 1), with p50 at the low end of its band: below 1 only when clearly inflated. */
  g: number;
  /** Even the high end of the band is within B·(1+tol): clearly no queueing. */
  atBaseline: boolean;
  /** The median itself is above B·(1+tol): more likely queueing than not. */
  above: boolean;
  /** (B·(1+tol) − p50) / (B·tol) within [0, 1]: how much of the tolerance the median leaves. */
  headroom: number;
}

/** A baseline probe in progress. */
interface Probe {
  /** Limit to restore when the probe ends. */
  saved: number;
  /** The whole limit in force before the probe. */
  from: number;
  /** The median at the saved limit, from the reading just before the probe. */
  reference: LogEstimate;
  /** True during the first epoch, whose requests were mostly sent before L dropped. */
  settling: boolean;
}

export class AdaptiveLimit implements LimitAlgorithm {
  private readonly o: ControllerOptions;
  private readonly initial: number;
  private limit: number;
  /** Last limit whose median was within the tolerance during startup. */
  private lastGood: number;
  /** Limit (or in-flight) at which the host last showed overload; undefined when unknown. */
  private ceiling: number | undefined;
  /** Times overload or queueing was seen since the ceiling was last forgotten. */
  private confirmations = 0;
  /** The whole limit and answers per second of the reading the last step up was taken from. */
  private stepFrom: { limit: number; throughput: number } | undefined;
  private stage: Phase = 'startup';
  /**
   * Twice the limit that the first step up under a saturated client which bought too little was
   * taken from: steps tried again go no higher until the client frees up.
   */
  private busyRetryCap: number | undefined;
  /** Steps up under a saturated client that bought too little, since the client was last free. */
  private busyStepFailures = 0;
  /** Client-bound readings in which the host could grow, to let pass before the next step up. */
  private busyStepWait = 0;
  /**
   * The next client-bound reading is partly from before the step up just taken; its throughput would
   * understate the new limit's and let the step after it pass the test above capacity.
   */
  private busyStepSettling = false;
  private holdLeft = 0;
  /** Consecutive latency readings above the tolerance. */
  private inflatedRun = 0;
  private probe: Probe | undefined;
  /** A probe is wanted at the next demand-limited reading: startup has just ended. */
  private probeDue = false;
  /**
   * The host has just become busy (first epoch, or first after idle). That epoch is partial: its
   * time-averaged in-flight counts the time before the first request, so its reading would look
   * under-used and decide nothing while delaying the first decision by a window.
   */
  private arriving = true;
  /**
   * Answers per second in the last epoch in which the host was free to answer: not paused by
   * Retry-After or the breaker at any time, and without overload answers. The pacer starts below
   * it. An epoch with a pause serves a fraction of what the host allows, and a pacer started there
   * climbs back by a few per cent an epoch (on mixed, a capacity-7 host of 2,657 URLs paced from 19
   * answers/s, after a Retry-After pause, held the whole run up by 25 s).
   */
  private freeRate = 0;
  /**
   * Epochs judged against the host's share of a saturated client (followShare) since its whole limit
   * last changed: their seconds, in-flight request-seconds and answers.
   */
  private sharePool = { limit: 0, seconds: 0, inflightSeconds: 0, served: 0 };
  /** The highest limit followShare took the host down from while the client stayed saturated. */
  private shareCutFrom: number | undefined;
  /** The decision in force during the epoch being measured paused the host at its start. */
  private pausedAtStart = false;
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
    this.window = new LatencyWindow(o.min_samples, o.max_window_epochs);
    this.baseline = new Baseline(o.baseline_window, o.latency_confidence);
    this.breaker = new CircuitBreaker(o.breaker_base_ms, o.breaker_max_ms);
    this.retryAfter = new RetryAfterGate(ctx.host, o.retry_after_cap_ms, o.retry_after_jitter_ms);
    this.pacer = new Pacer(o.pacer_start_fraction, o.pacer_growth);
  }

  get phase(): string {
    if (!this.breaker.isClosed) return 'breaker';
    return this.probe === undefined ? this.stage : 'probe';
  }

  /** The limit as the engine enforces it. */
  private get whole(): number {
    return wholeLimit(this.limit, this.o.min_limit, this.o.max_limit);
  }

  decide(stats: HostEpochStats, nowMs: number): HostDecision {
    const seconds = this.clock.tick(nowMs);
    const holding = this.holdLeft > 0;
    if (holding) this.holdLeft -= 1;
    if (isIdle(stats)) {
      this.arriving = true;
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
    const free = !isIdle(stats) && !this.pausedAtStart && stats.retryAfterUntil === 0 && overloadCount(stats) === 0;
    if (free) this.freeRate = servedCount(stats) / seconds;
    const decision = this.current(nowMs);
    this.pausedAtStart = decision.blockedUntil > nowMs;
    return decision;
  }

  current(nowMs: number): HostDecision {
    return {
      limit: this.breaker.isClosed ? this.whole : 1,
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
    const inUse = Math.min(this.whole, Math.max(1, stats.inflightPeak));
    this.remember(inUse);
    this.limit = clamp(inUse * factor, this.o.min_limit, this.o.max_limit);
    this.stage = 'steady';
    this.holdLeft = this.o.hold_epochs;
    this.generation += 1;
    // The epoch of the 429s also lost time to them; the last free one shows what the host served.
    const served = Math.max(servedCount(stats) / seconds, this.freeRate);
    // A 503 with Retry-After is as much a rate limit as a 429: either starts the pacer.
    if (signal === 'overload') this.pacer.start(served);
  }

  private judge(stats: HostEpochStats, seconds: number, holding: boolean): void {
    const pacerBinding = this.pacer.binding(stats.started / seconds);
    if (!holding) this.tunePacer(stats);
    if (this.arriving) {
      this.arriving = false;
      return;
    }
    if (this.probe?.settling) {
      this.probe.settling = false;
      return;
    }
    if (this.followShare(stats, seconds)) return;
    const applied = this.whole;
    const reading = this.window.add(stats, applied, seconds);
    if (reading === undefined) return;
    const demandLimited = reading.demandLimited >= this.o.demand_limited_fraction;
    const mayGrow = demandLimited && !pacerBinding && !holding;
    if (reading.clientBusy >= this.o.client_busy_fraction) {
      this.clientBound(reading, mayGrow, this.fairShareLimit(reading.inflight, reading.throughput, stats, seconds));
      return;
    }
    this.busyRetryCap = undefined;
    this.busyStepFailures = 0;
    this.busyStepWait = 0;
    // A first reading is taken at the same point whatever comes of it. A window that ran out undecided
    // is added too: a baseline from a few startup readings may be drawn 10-15 % low, and then every
    // later median is above the 5 % tolerance but never clearly, so each window runs out, the limit
    // stays, and without this nothing ever corrects the baseline (in the controller simulator with
    // the farm's service spread, hosts of capacity 16-32 stayed at 4 for 40 s).
    if (reading.full && (reading.first || !this.window.extendable)) this.baseline.push(reading, applied);
    if (this.undecided(reading)) return;
    this.window.reset();
    if (this.probe !== undefined) {
      this.endProbe(this.probe, reading);
      return;
    }
    const base = this.baseline.estimate(this.ceiling);
    // Only thin readings so far: nothing trustworthy to compare with, so no latency decision.
    if (base === undefined) return;
    // Latency measured while part of L stood unused says nothing about L itself: the ranks ran out
    // of work, or the client was the bottleneck (its own queueing then inflates every host's TTFB,
    // and a limit cut or a ceiling learnt from that would hold the host back long after).
    if (reading.utilisation < this.o.utilisation_fraction) {
      this.inflatedRun = 0;
      return;
    }
    const latency = this.verdict(reading, base);
    this.inflatedRun = latency.g < 1 ? this.inflatedRun + 1 : 0;
    if (holding) return;
    if (this.stage === 'startup') this.startup(latency, reading, base, mayGrow);
    else if (demandLimited && (this.probeDue || this.baseline.expiring(this.ceiling))) this.startProbe(reading);
    else this.steady(latency, reading, mayGrow);
  }

  /**
   * A saturated client queues every response behind its own work (on mixed, hosts of 130 ms read
   * 270 ms then), so latency would teach the host a false ceiling and the baseline a false floor:
   * the reading is dropped, and a probe under way gives its limit back. Throughput still tells,
   * by Little's law, while the limit is what holds the host back (not the client's turns, see
   * utilisation): the client's queueing is shared by all hosts, so a host below its capacity
   * answers faster for a higher limit, one at capacity does not. Startup goes on by that test
   * alone. Holding a host at its starting limit instead would starve the slow hosts with much
   * work (a 320 ms host at 3 in flight gets 7 answers/s of its 99) until the client frees up,
   * and they would then hold the run up long after the rest is done. Each step is judged on the
   * reading after the one it was taken from (that one is partly from before it); a step that
   * bought too little is taken back. That test is noisy, though: the client's queueing changes from
   * epoch to epoch, and with it a fast host's answers per second at one limit (on mixed, a host of
   * 6,000 URLs read 23 to 65 answers/s at 3 in flight). Stopping at the first failed step held the
   * hosts with the most work at their starting limit for the whole 20 s the client was busy. So
   * a failed step is tried again after 1, 2, 4, … more client-bound readings in which the host
   * could grow, but only up to twice the limit it failed from: a step that passes by chance is
   * growth the host never showed it can take, and it all reaches the host at once when the client
   * frees up. Nor does a host grow past its share of the client's answers (fairShareLimit); one far
   * above it goes down to it at once (followShare).
   */
  private clientBound(reading: LatencyReading, mayGrow: boolean, fairLimit: number | undefined): void {
    const from = this.stepFrom;
    this.resetLatency();
    if (this.stage !== 'startup') return;
    // Throughput tells about L only while L held the host back, not the client's turns.
    if (reading.utilisation < this.o.utilisation_fraction || this.busyStepSettling) {
      this.busyStepSettling = false;
      this.stepFrom = from;
      return;
    }
    if (from !== undefined && this.saturatedSince(from, reading)) {
      this.busyRetryCap ??= 2 * from.limit;
      this.busyStepFailures += 1;
      this.busyStepWait = 2 ** (this.busyStepFailures - 1);
      this.limit = from.limit;
      return;
    }
    if (!mayGrow || (fairLimit !== undefined && this.whole >= fairLimit)) return;
    if (this.busyStepWait > 0) {
      this.busyStepWait -= 1;
      return;
    }
    const before = this.whole;
    this.growInStartup();
    if (this.busyRetryCap !== undefined) this.limit = Math.min(this.limit, this.busyRetryCap);
    if (this.whole > before) {
      this.stepFrom = { limit: before, throughput: reading.throughput };
      this.busyStepSettling = true;
    }
  }

  /**
   * The limit at which the host would get its share of a saturated client's answers, its share of
   * all queued work: by Little's law, in-flight × wanted / actual answers per second. The client's
   * turns are what is scarce then. A host that grows past its share only takes them from hosts with
   * more work left, which then hold the run up at its end, and its extra requests are growth the
   * host never showed it can take (on mixed, overload answers fell from 20–30 to under 1 per 10,000
   * requests once such hosts stopped growing). Rounded up to a whole request; undefined when the
   * engine reported no client-wide figures.
   */
  private fairShareLimit(inflight: number, throughput: number, stats: HostEpochStats, seconds: number): number | undefined {
    const share = this.fairShare(inflight, throughput, stats, seconds);
    return share === undefined ? undefined : Math.ceil(share);
  }

  /** fairShareLimit before rounding. */
  private fairShare(inflight: number, throughput: number, stats: HostEpochStats, seconds: number): number | undefined {
    if (stats.clientBacklog <= 0 || stats.clientServed <= 0 || throughput <= 0) return undefined;
    const wanted = (stats.backlog / stats.clientBacklog) * (stats.clientServed / seconds);
    return (inflight * wanted) / throughput;
  }

  /**
   * Takes a host in startup down to its share of a saturated client's answers (fairShare: the
   * client's figures of this epoch, the host's pooled as below) when it holds more than twice that:
   * its other requests can only take turns from hosts with more work left, or wait in its own
   * queue. This does not wait for a latency reading, which a slow host with little work would
   * finish before it had: on mixed, hosts of capacity 1 and 300–500 ms with about 20 URLs each spent
   * their whole run at the starting limit of 3, and a fifth of all the time requests spent at the
   * hosts went to waiting in their queues.
   * Twice the share before rounding, not twice the whole limit it rounds up to: a share of 1.03
   * would otherwise leave a host at 3 (fast capacity-1 hosts with 300–400 URLs spent 6 s there).
   * The host's answers per second are pooled over the epochs at its present limit: a slow host
   * answers a few times an epoch, and one epoch's count is noise that decides (on mixed, a
   * capacity-6 host of 450 ms read a share of 1.3 to 3.3 at 3 in flight from 4 to 7 answers an
   * epoch; one epoch that read low took it to 2, another to 1).
   * A host taken down goes back up, towards its share but no higher than it was, once its share is
   * more than twice its limit: the client's backlog shrinks, and a slow host's share grows as the
   * hosts with more answers finish. Otherwise it waits for a latency reading, which at 1 in flight
   * takes a host of 450 ms 10 s (the capacity-6 host above held the run up by 5 s at its end).
   * The factor of 2 both ways keeps the limit from following the share's noise.
   */
  private followShare(stats: HostEpochStats, seconds: number): boolean {
    if (this.stage !== 'startup' || clientBusyShare(stats) < this.o.client_busy_fraction) {
      this.shareCutFrom = undefined;
      return false;
    }
    if (this.sharePool.limit !== this.whole) this.sharePool = { limit: this.whole, seconds: 0, inflightSeconds: 0, served: 0 };
    const pool = this.sharePool;
    pool.seconds += seconds;
    pool.inflightSeconds += stats.inflightAvg * seconds;
    pool.served += servedCount(stats);
    const share = this.fairShare(pool.inflightSeconds / pool.seconds, pool.served / pool.seconds, stats, seconds);
    if (share === undefined || share <= 0) return false;
    const whole = this.whole;
    let to: number;
    if (whole > 2 * share) {
      this.shareCutFrom = Math.max(this.shareCutFrom ?? 0, whole);
      to = Math.ceil(share);
    } else if (this.shareCutFrom !== undefined && this.shareCutFrom > whole && share > 2 * whole) {
      to = Math.min(this.shareCutFrom, Math.ceil(share));
    } else {
      return false;
    }
    this.resetLatency();
    this.limit = clamp(to, this.o.min_limit, this.o.max_limit);
    return true;
  }

  private verdict(reading: LatencyReading, base: LogEstimate): Verdict {
    const threshold = base.ms * (1 + this.o.latency_tolerance);
    const band = Math.exp(this.o.latency_confidence * Math.hypot(reading.logSe, base.logSe));
    return {
      g: clamp((threshold * band) / reading.p50, 0.5, 1),
      atBaseline: reading.p50 * band <= threshold,
      above: reading.p50 > threshold,
      headroom: threshold > base.ms ? clamp((threshold - reading.p50) / (threshold - base.ms), 0, 1) : 1,
    };
  }

  /**
   * A reading too noisy to decide on keeps gathering epochs while the window may. In startup that
   * is a median above the tolerance but not clearly (maybe noise, maybe the first epoch at a new
   * limit, whose requests were partly sent under the old one and show only part of the queueing).
   * In steady state it is one whose band straddles the threshold, unless throughput already says
   * the last step up bought nothing. A probe's reading must tell the latency of a host saturated
   * at the probe's limit (falling with the limit) from that of one below it (not falling), so its
   * band must be narrower than half the gap between the two.
   */
  private undecided(reading: LatencyReading): boolean {
    if (!this.window.extendable) return false;
    if (this.probe !== undefined) {
      const gap = Math.log(this.probe.from / this.whole);
      return this.o.latency_confidence * Math.hypot(reading.logSe, this.probe.reference.logSe) > gap / 2;
    }
    const base = this.baseline.estimate(this.ceiling);
    if (base === undefined) return false;
    const latency = this.verdict(reading, base);
    if (latency.g < 1) return false;
    if (this.stage === 'startup') return latency.above && this.stepped;
    return !latency.atBaseline && !(latency.above && this.saturated(reading));
  }

  /** Lowers L for a reading, by a whole request at least; a limit already at the floor is not probed. */
  private startProbe(atLimit: LatencyReading): void {
    this.probeDue = false;
    const from = this.whole;
    const lower = Math.min(this.limit / (1 + this.o.latency_tolerance) ** 2, from - 1);
    if (lower < this.o.min_limit) return;
    const reference = { ms: atLimit.p50, logSe: atLimit.logSe };
    this.probe = { saved: this.limit, from, reference, settling: true };
    this.limit = lower;
  }

  /**
   * A host whose capacity is below its starting limit queues from the first request on and never
   * shows its unloaded latency. A probe tells: by Little's law, latency that falls in proportion to
   * the limit means the host was saturated at the probe's limit too. Then the probe's limit is
   * kept and the next probe goes lower still; the first probe that finds latency falling by less
   * ends the descent there. Otherwise L is restored.
   */
  private endProbe(probe: Probe, reading: LatencyReading): void {
    this.probe = undefined;
    const to = this.whole;
    // Between falling in proportion (to/from) and not at all (1): the geometric middle.
    const proportional = reading.p50 <= probe.reference.ms * Math.sqrt(to / probe.from);
    if (proportional) {
      // The host queued at the probe's starting limit: growth from here must not step over it again.
      this.remember(Math.min(this.ceiling ?? Number.POSITIVE_INFINITY, probe.from));
      this.startProbe(reading);
    } else {
      // Going back up is a step like any other: the next readings show whether it bought throughput.
      this.stepFrom = { limit: to, throughput: reading.throughput };
      this.limit = probe.saved;
    }
  }

  private tunePacer(stats: HostEpochStats): void {
    if (!this.pacer.active) return;
    if (overloadCount(stats) === 0) this.pacer.raise();
    const base = this.baseline.estimate(this.ceiling);
    if (base !== undefined) this.pacer.releaseIfRedundant(this.limit, base.ms);
  }

  /**
   * Growth stops at clear queueing after a step up, and without falling back at a median still
   * above the tolerance when the window could not run longer.
   */
  private startup(latency: Verdict, reading: LatencyReading, base: LogEstimate, mayGrow: boolean): void {
    if (this.stepped && latency.g < 1) {
      this.endStartup(this.whole, reading, base);
      return;
    }
    if (this.stepped && latency.above) {
      this.leaveStartup();
      return;
    }
    this.lastGood = this.limit;
    if (!mayGrow) return;
    this.growInStartup();
    if (this.ceiling !== undefined && this.limit >= this.o.near_ceiling_fraction * this.ceiling) this.leaveStartup();
  }

  /** Geometric growth, up to a remembered ceiling. */
  private growInStartup(): void {
    const cap = Math.min(this.o.max_limit, this.ceiling ?? Number.POSITIVE_INFINITY);
    this.limit = Math.max(this.limit, Math.min(this.limit * this.o.startup_growth, cap));
  }

  /**
   * Whether L stands above the last limit that read within the tolerance in startup. Only such a
   * step can have caused queueing: latency that rose without one rose with something else (the
   * client's own load, the host's other users), and ending startup on it would hold a host that
   * was never tried above its starting limit there.
   */
  private get stepped(): boolean {
    return this.whole > wholeLimit(this.lastGood, this.o.min_limit, this.o.max_limit);
  }

  /**
   * Ends startup on queueing seen at `ceiling`. Little's law: with n in flight the host answered
   * p50/B times slower than unloaded, so it serves about n·B/p50 at once; L goes there, rounded
   * down (the first epoch at a new limit dilutes its queueing), but no lower than the last good
   * limit and no higher than the one in force.
   */
  private endStartup(ceiling: number, reading: LatencyReading, base: LogEstimate): void {
    this.remember(ceiling);
    const capacity = Math.floor((reading.inflight * base.ms) / reading.p50);
    this.limit = clamp(Math.min(this.whole, Math.max(this.lastGood, capacity)), this.o.min_limit, this.o.max_limit);
    this.leaveStartup();
  }

  /**
   * Startup ends with a probe below the limit it settled on. A host whose starting limit already
   * exceeded its capacity queued from the first reading on, so its baseline includes queueing; and
   * a limit one request over a small host's capacity may not look inflated against a baseline from
   * a few noisy startup readings. A probe that finds the host faster one request lower shows both.
   */
  private leaveStartup(): void {
    this.stage = 'steady';
    this.probeDue = true;
  }

  private steady(latency: Verdict, reading: LatencyReading, mayGrow: boolean): void {
    if (this.inflatedRun >= 2 || (latency.above && this.saturated(reading))) {
      this.shrink(latency.g);
      return;
    }
    // Here a reading is either clear or as long as a window may be: then its median decides, except
    // for the step into a remembered ceiling, which only a clear reading takes. One request over a
    // small host's capacity raises the median by less than the tolerance (the client's own time
    // between requests hides part of the queueing), so an undecided reading just below the level
    // where queueing showed is no evidence that the host has grown.
    if (latency.above || !mayGrow) return;
    if (!latency.atBaseline && this.ceiling !== undefined && this.whole + 1 >= this.ceiling) return;
    const near = this.o.near_ceiling_fraction;
    if (this.ceiling !== undefined && this.limit > this.ceiling / near) {
      this.ceiling = undefined;
      this.confirmations = 0;
    }
    const before = this.whole;
    this.limit = Math.min(this.o.max_limit, this.limit + this.growthStep(latency.headroom));
    if (this.whole > before) this.stepFrom = { limit: before, throughput: reading.throughput };
  }

  /**
   * Little's law: below capacity, answers per second grow with the limit; at capacity they stay
   * flat while latency rises. One request over a small host's capacity raises its latency by
   * about 1/C at most, hard to tell from noise; together with throughput that did not grow by
   * half as much as the limit at the last step up, a median above the tolerance is queueing.
   */
  private saturated(reading: LatencyReading): boolean {
    return this.stepFrom !== undefined && this.saturatedSince(this.stepFrom, reading);
  }

  private saturatedSince(from: { limit: number; throughput: number }, reading: LatencyReading): boolean {
    const whole = this.whole;
    if (whole <= from.limit) return false;
    return reading.throughput < from.throughput * (1 + (whole / from.limit - 1) / 2);
  }

  /**
   * Shrinks by 0.5·(1−g), and by a whole request at least: the readings were taken at the whole
   * limit, and a fraction off would leave it in force for several more. The next shrink needs two
   * inflated readings of its own, taken under the new limit.
   */
  private shrink(g: number): void {
    const whole = this.whole;
    this.remember(whole);
    this.inflatedRun = 0;
    this.stepFrom = undefined;
    this.limit = clamp(Math.min(this.limit * (1 - 0.5 * (1 - g)), whole - 1), this.o.min_limit, this.o.max_limit);
  }

  /**
   * √L far from a remembered ceiling and 1 near it, scaled down as the median approaches the
   * tolerance. The last request up to the ceiling itself comes in fractions, halved with every
   * sighting of the ceiling: a host held at its capacity is probed above it ever more rarely, since
   * one request over a small host's capacity is a large share of its load.
   */
  private growthStep(headroom: number): number {
    if (this.ceiling === undefined) return Math.max(1, Math.sqrt(this.limit) * headroom);
    if (this.whole + 1 >= this.ceiling) {
      return 1 / 2 ** Math.min(this.confirmations, MAX_CEILING_HALVINGS);
    }
    const room = this.o.near_ceiling_fraction * this.ceiling - this.limit;
    return room <= 0 ? 1 : Math.max(1, Math.min(Math.sqrt(this.limit), room) * headroom);
  }

  /** Every sighting of overload or queueing makes the next step up into the ceiling smaller. */
  private remember(ceiling: number): void {
    this.ceiling = ceiling;
    this.confirmations += 1;
  }

  /** Drops latency evidence gathered under another limit; an interrupted probe gives its limit back. */
  private resetLatency(): void {
    if (this.probe !== undefined) this.limit = this.probe.saved;
    this.probe = undefined;
    this.window.reset();
    this.inflatedRun = 0;
    this.stepFrom = undefined;
  }
}
