/**
 * One host as the dispatcher sees it: its queues, the share it must respect (concurrency, pacing,
 * block, generation) and what it measured this epoch. Time-weighted figures (in-flight average,
 * demand-limited time) are integrated piecewise: `advance(now)` must run before any change to the
 * state they depend on.
 */
import { emptyStats, type HostEpochStats, type HostShare, type OutcomeClass } from '../controller/types.js';
import { recordSample } from '../controller/histogram.js';
import { Deque } from './deque.js';
import { MinHeap } from './min-heap.js';

/** A work item while the engine holds it. */
export interface Task<T> {
  readonly item: T;
  /** Attempts started so far. */
  attempts: number;
  /** Absolute ms before which a retry must not start. */
  notBefore: number;
}

/** Tokens a paced host may save up, in seconds of its rate: enough to absorb timer jitter, too few to burst. */
const PACING_BURST_SECONDS = 0.05;

export class HostState<T> {
  readonly ready = new Deque<Task<T>>();
  readonly delayed = new MinHeap<Task<T>>((t) => t.notBefore);
  inflight = 0;
  /** In the dispatcher's ring of hosts that could start a request. */
  inRing = false;
  /** The host's place in the ring's turn order (stride scheduling's pass value, see the dispatcher). */
  pass = 0;
  /** Time of the wake-up the dispatcher has scheduled for this host, Infinity if none. */
  wakeAt = Number.POSITIVE_INFINITY;
  /** Dropped from the dispatcher's table (idle); stale timer entries must ignore it. */
  removed = false;

  private share: HostShare;
  /** The share's limit, possibly lowered locally after an overload burst until the next share arrives. */
  private localLimit: number;
  /** Retry-After seen locally, enforced until the next share arrives. */
  private localBlockedUntil = 0;
  private overloadCount = 0;
  private tokens = 1;
  private tokensAt: number;

  /** This epoch's counters; the time-weighted fields are filled in by takeStats(). */
  private epoch = emptyStats();
  private inflightArea = 0;
  private demandLimitedMs = 0;
  private accountedAt: number;

  constructor(
    readonly key: string,
    share: HostShare,
    now: number,
  ) {
    this.share = share;
    this.localLimit = share.limit;
    this.tokensAt = now;
    this.accountedAt = now;
  }

  get generation(): number {
    return this.share.generation;
  }

  /** Concurrency this rank may use now; shares are meant to be integers, a fraction is rounded down. */
  get limit(): number {
    return Math.floor(Math.min(this.share.limit, this.localLimit));
  }

  get blockedUntil(): number {
    return Math.max(this.share.blockedUntil, this.localBlockedUntil);
  }

  get backlog(): number {
    return this.ready.length + this.delayed.length;
  }

  get idle(): boolean {
    return this.backlog === 0 && this.inflight === 0;
  }

  /** Integrates the time-weighted figures up to `now`. */
  advance(now: number): void {
    const dt = now - this.accountedAt;
    if (dt <= 0) return;
    this.inflightArea += this.inflight * dt;
    if (this.ready.length > 0 && this.inflight >= this.limit) this.demandLimitedMs += dt;
    this.accountedAt = now;
  }

  canStart(now: number): boolean {
    return this.ready.length > 0 && this.inflight < this.limit && now >= this.blockedUntil && this.refill(now) >= 1;
  }

  /**
   * The earliest time a clock alone can make this host able to start (a retry falling due, a block
   * ending, a pacing token), or Infinity when only an event (a completion, new work, a new share) can.
   */
  nextWake(now: number): number {
    let at = this.delayed.peek()?.notBefore ?? Number.POSITIVE_INFINITY;
    if (this.ready.length > 0 && this.inflight < this.limit) {
      if (now < this.blockedUntil) at = Math.min(at, this.blockedUntil);
      else {
        const missing = 1 - this.refill(now);
        if (missing > 0) at = Math.min(at, now + Math.ceil((missing * 1000) / this.share.pacingRate));
      }
    }
    return at;
  }

  /** Moves retries whose time has come to the front of the ready queue (they are the oldest work). */
  promoteDue(now: number): void {
    const due: Task<T>[] = [];
    while ((this.delayed.peek()?.notBefore ?? Number.POSITIVE_INFINITY) <= now) due.push(this.delayed.pop()!);
    for (let i = due.length - 1; i >= 0; i--) this.ready.unshift(due[i]!);
  }

  /** Takes the next task and counts it as started (in flight, a token spent). */
  start(now: number): Task<T> {
    const task = this.ready.shift()!;
    if (this.share.pacingRate > 0) this.tokens = this.refill(now) - 1;
    this.inflight++;
    this.epoch.started++;
    this.epoch.inflightPeak = Math.max(this.epoch.inflightPeak, this.inflight);
    task.attempts++;
    return task;
  }

  /** Counts a finished request sent under `generation`; its TTFB when it got headers. */
  finish(outcome: OutcomeClass, generation: number, ttfbMs: number | null): void {
    this.inflight--;
    if (ttfbMs !== null) recordSample(this.epoch.ttfbHist, ttfbMs);
    if (generation === this.share.generation) this.epoch.outcomes[outcome]++;
    else this.epoch.staleOutcomes++;
  }

  /**
   * The server asked to wait until `until`: reported as is (the controller caps it), and this rank
   * sends nothing more until `blockUntil` (the same, capped by the caller) or the next share.
   */
  noteRetryAfter(until: number, blockUntil: number): void {
    this.epoch.retryAfterUntil = Math.max(this.epoch.retryAfterUntil, until);
    this.localBlockedUntil = Math.max(this.localBlockedUntil, blockUntil);
  }

  /** A 429/503 of the current generation: after `burst` of them, halve this rank's concurrency until the next share. */
  noteOverload(burst: number, now: number, pauseMs: number): void {
    if (burst <= 0 || ++this.overloadCount < burst) return;
    this.overloadCount = 0;
    // Overload answers come back at once, so even one request at a time loops through hundreds of
    // them before the next epoch: at one, a further burst pauses the host instead.
    if (this.limit <= 1) this.localBlockedUntil = Math.max(this.localBlockedUntil, now + pauseMs);
    this.localLimit = Math.max(Math.min(1, this.localLimit), Math.floor(this.limit / 2));
  }

  setShare(share: HostShare, now: number): void {
    if (share.pacingRate > 0 && this.share.pacingRate === 0) {
      // Pacing starts with one token, not a saved-up burst.
      this.tokens = 1;
      this.tokensAt = now;
    } else {
      this.tokens = this.refill(now);
    }
    this.share = share;
    this.localLimit = share.limit;
    this.localBlockedUntil = 0;
    this.overloadCount = 0;
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** Returns this epoch's figures and starts the next epoch. `advance(now)` must have run. */
  takeStats(epochMs: number): HostEpochStats {
    const stats = this.epoch;
    stats.inflightAvg = epochMs > 0 ? this.inflightArea / epochMs : this.inflight;
    stats.demandLimitedSeconds = this.demandLimitedMs / 1000;
    stats.epochSeconds = epochMs / 1000;
    stats.backlog = this.backlog;
    this.epoch = emptyStats();
    // Requests still running belong to the next epoch's peak too.
    this.epoch.inflightPeak = this.inflight;
    this.inflightArea = 0;
    this.demandLimitedMs = 0;
    return stats;
  }

  private burst(): number {
    return Math.max(1, this.share.pacingRate * PACING_BURST_SECONDS);
  }

  /** Tokens in the bucket at `now` (refilled, not spent); Infinity when unpaced. */
  private refill(now: number): number {
    if (this.share.pacingRate <= 0) return Number.POSITIVE_INFINITY;
    if (now > this.tokensAt) {
      this.tokens = Math.min(this.burst(), this.tokens + ((now - this.tokensAt) * this.share.pacingRate) / 1000);
      this.tokensAt = now;
    }
    return this.tokens;
  }
}
