/**
 * A tiny simulated host and engine, driven in virtual time (1 ms ticks), for controller tests.
 * The host serves `capacity` requests at once in `serviceMs` (log-normal spread); beyond that,
 * requests queue and TTFB grows linearly with the number in flight; past `queueLimit` queued
 * requests it answers 429 at once (with Retry-After if configured). One engine per rank keeps in
 * flight at most its share of the decision's limit, paces to its share of the rate, waits for
 * blockedUntil, tags requests with the decision's generation and reports HostEpochStats; the
 * ranks' statistics are merged (as the allreduce does) and fed to the controller once per epoch,
 * and the decision is split by the ranks' demands. Between epochs an engine only lowers its own
 * limit, as DESIGN §6 allows: halved once on a burst of 429s and stopped until a Retry-After time.
 * Ranks may instead be given a number of URLs each; then, as the engine does, a rank asks for
 * min(backlog + time-averaged in-flight, cap) as of the last epoch, so a rank running out of work
 * leaves part of its share unused for an epoch or two.
 */
import type { Controller } from '../../src/controller/controller.js';
import { recordSample } from '../../src/controller/histogram.js';
import { servedCount } from '../../src/controller/signals.js';
import { splitDecision } from '../../src/controller/split.js';
import { mergeStats } from '../../src/controller/stats.js';
import {
  emptyStats,
  type HostDecision,
  type HostEpochStats,
  type HostShare,
  type OutcomeClass,
} from '../../src/controller/types.js';

export interface SimHost {
  /** Requests served concurrently without queueing. */
  capacity: number;
  /** Median service time (TTFB without queueing), ms. */
  serviceMs: number;
  /** Log-normal sigma of the service time. Default 0.3. */
  spread?: number;
  /** 429 when more than capacity + queueLimit requests are in flight. Default: never. */
  queueLimit?: number;
  /** Retry-After sent with those 429s, ms. Default: none. */
  retryAfterMs?: number;
  /** While true, every request fails to connect after connectMs. */
  down?: (tMs: number) => boolean;
  /** Time until a connect failure, ms. Default 500. */
  connectMs?: number;
  /** Share of requests that fail on our side at once (DNS failure), never reaching the host. */
  dnsShare?: number;
}

export interface SimOptions {
  epochs: number;
  /** Whether work for the host is queued at time t (then always plenty). Default: always. */
  busy?: (tMs: number) => boolean;
  /** Virtual start time, ms. Default 1_000_000. */
  startMs?: number;
  epochMs?: number;
  seed?: number;
  /** Number of ranks working on the host. Default 1. */
  ranks?: number;
  /** URLs each rank has for the host (instead of `ranks` ranks with endless work). */
  work?: readonly number[];
  /**
   * The client's own queueing during the epoch starting at t, ms: while above 0 the client is
   * saturated (its event loop busy all the time), and every answer reaches it that much after the
   * host sent it, a delay the host does not see. Default: none.
   */
  clientDelayMs?: (tMs: number) => number;
  /**
   * The rest of the client's work, which the engine reports with every host's statistics: requests
   * queued for other hosts and their answers per second. Default: no client-wide figures at all (0).
   */
  otherHosts?: { backlog: number; answersPerSecond: number };
}

/** What happened in one epoch, and the decision taken at its end. */
export interface EpochRecord {
  /** Time at the end of the epoch (when the decision was taken). */
  endMs: number;
  /** The decision in force during the epoch. */
  applied: HostDecision;
  /** The decision taken at the end of the epoch. */
  decision: HostDecision;
  /** Statistics of all ranks together. */
  stats: HostEpochStats;
  /** Highest number of requests in flight at once, all ranks together. */
  peakInFlight: number;
  /** Highest number of them the host was working on at once (fewer while the client delays answers). */
  peakAtHost: number;
  /** Answers (2xx) per second. */
  goodput: number;
}

export interface SimResult {
  epochs: EpochRecord[];
  /** Start time of every request sent to the host. */
  starts: number[];
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Flight {
  /** When the client sees the answer. */
  doneAt: number;
  /** When the host has sent it: until then the request counts against its capacity. */
  hostDoneAt: number;
  outcome: OutcomeClass;
  /** TTFB when response headers came back. */
  ttfb: number | undefined;
  generation: number;
  retryAfterUntil: number;
}

type Response = Omit<Flight, 'generation' | 'doneAt'>;

/** Number of 429s in an epoch that makes an engine halve its own limit until the next decision. */
const LOCAL_BURST = 3;
/** Most requests a rank asks for at once (the `cap` in min(backlog, cap)). */
const DEMAND_CAP = 1000;

/** One rank's engine for the host. */
class RankEngine {
  flights: Flight[] = [];
  stats = emptyStats();
  /** Client delay of the current epoch, ms (0: the client is not saturated). */
  clientDelay = 0;
  private share: HostShare = { limit: 0, pacingRate: 0, blockedUntil: 0, generation: 0 };
  private localLimit = 0;
  private localBlock = 0;
  private tokens = 1;
  private inflightSum = 0;
  private demandLimitedMs = 0;
  /** Milliseconds of the epoch with work left or in flight (a rank done with the host reports none). */
  private activeMs = 0;

  /** URLs not yet sent: unlimited unless the rank was given a number. */
  constructor(public left = Number.POSITIVE_INFINITY) {}

  /** What the rank asks for at an epoch boundary, from the epoch that just ended. */
  demand(): number {
    if (!Number.isFinite(this.left)) return DEMAND_CAP;
    return Math.min(DEMAND_CAP, Math.ceil(this.left + this.stats.inflightAvg));
  }

  /** Starts an epoch under a new share. */
  begin(share: HostShare): void {
    this.share = share;
    this.localLimit = share.limit;
    this.localBlock = share.blockedUntil;
    this.stats = emptyStats();
    this.inflightSum = 0;
    this.demandLimitedMs = 0;
    this.activeMs = 0;
  }

  /** Collects the responses that arrived by `t`. */
  complete(t: number): void {
    const still: Flight[] = [];
    for (const f of this.flights) {
      if (f.doneAt > t) {
        still.push(f);
        continue;
      }
      const s = this.stats;
      if (f.generation === this.share.generation) s.outcomes[f.outcome] += 1;
      else s.staleOutcomes += 1;
      if (f.ttfb !== undefined) recordSample(s.ttfbHist, f.ttfb);
      s.retryAfterUntil = Math.max(s.retryAfterUntil, f.retryAfterUntil);
      this.localBlock = Math.max(this.localBlock, f.retryAfterUntil);
      if (f.outcome === 'tooMany' && s.outcomes.tooMany === LOCAL_BURST && this.localLimit === this.share.limit) {
        this.localLimit = Math.max(1, Math.floor(this.localLimit / 2));
      }
    }
    this.flights = still;
  }

  /** Sends what the share allows at `t`; `respond` is the host's answer given its total load. */
  send(t: number, queued: boolean, respond: (now: number) => Response, starts: number[]): void {
    const paced = this.share.pacingRate > 0;
    if (paced) this.tokens = Math.min(1, this.tokens + this.share.pacingRate / 1000);
    const blocked = t < this.localBlock;
    const room = (): boolean => this.flights.length < this.localLimit && (!paced || this.tokens >= 1);
    while (queued && this.left > 0 && !blocked && room()) {
      if (paced) this.tokens -= 1;
      this.left -= 1;
      this.stats.started += 1;
      starts.push(t);
      const answer = respond(t);
      const ttfb = answer.ttfb === undefined ? undefined : answer.ttfb + this.clientDelay;
      this.flights.push({ ...answer, ttfb, doneAt: answer.hostDoneAt + this.clientDelay, generation: this.share.generation });
    }
    if (queued && this.left > 0) this.demandLimitedMs += 1;
    if (this.left > 0 || this.flights.length > 0) this.activeMs += 1;
    this.inflightSum += this.flights.length;
    this.stats.inflightPeak = Math.max(this.stats.inflightPeak, this.flights.length);
  }

  /** Closes the epoch's statistics. */
  finish(epochMs: number, queued: boolean): HostEpochStats {
    this.stats.inflightAvg = this.inflightSum / epochMs;
    this.stats.demandLimitedSeconds = this.demandLimitedMs / 1000;
    this.stats.epochSeconds = this.activeMs / 1000;
    if (this.clientDelay > 0) this.stats.clientBusySeconds = this.stats.epochSeconds;
    this.stats.backlog = queued ? Math.min(DEMAND_CAP, this.left) : 0;
    return this.stats;
  }
}

/** Runs `controller` against one simulated host worked on by `opts.ranks` ranks. */
export function simulate(controller: Controller, host: string, model: SimHost, opts: SimOptions): SimResult {
  const epochMs = opts.epochMs ?? 1000;
  const random = rng(opts.seed ?? 42);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const busy = opts.busy ?? (() => true);
  const spread = model.spread ?? 0.3;
  const engines =
    opts.work?.map((urls) => new RankEngine(urls)) ?? Array.from({ length: opts.ranks ?? 1 }, () => new RankEngine());
  const inFlight = (): number => engines.reduce((n, e) => n + e.flights.length, 0);
  const atHost = (now: number): number => engines.reduce((n, e) => n + e.flights.filter((f) => f.hostDoneAt > now).length, 0);
  let t = opts.startMs ?? 1_000_000;
  let decision = controller.decision(host, t);
  const starts: number[] = [];
  const epochs: EpochRecord[] = [];

  const respond = (now: number): Response => {
    if (model.dnsShare !== undefined && random() < model.dnsShare) {
      return { hostDoneAt: now, outcome: 'dns', ttfb: undefined, retryAfterUntil: 0 };
    }
    if (model.down?.(now)) {
      return { hostDoneAt: now + (model.connectMs ?? 500), outcome: 'connectFail', ttfb: undefined, retryAfterUntil: 0 };
    }
    const load = atHost(now) + 1;
    if (model.queueLimit !== undefined && load > model.capacity + model.queueLimit) {
      const retryAfterUntil = model.retryAfterMs === undefined ? 0 : now + model.retryAfterMs;
      return { hostDoneAt: now + 2, outcome: 'tooMany', ttfb: 2, retryAfterUntil };
    }
    const ttfb = model.serviceMs * Math.exp(spread * normal()) * Math.max(1, load / model.capacity);
    return { hostDoneAt: now + ttfb, outcome: 'ok', ttfb, retryAfterUntil: 0 };
  };

  for (let e = 0; e < opts.epochs; e++) {
    const demands = engines.map((engine) => (busy(t) ? engine.demand() : 0));
    splitDecision(decision, demands, controller.epoch).forEach((share, r) => engines[r]!.begin(share));
    const clientDelay = opts.clientDelayMs?.(t) ?? 0;
    for (const engine of engines) engine.clientDelay = clientDelay;
    let peakInFlight = 0;
    let peakAtHost = 0;
    for (let tick = 0; tick < epochMs; tick++, t++) {
      for (const engine of engines) engine.complete(t);
      for (const engine of engines) engine.send(t, busy(t), respond, starts);
      peakInFlight = Math.max(peakInFlight, inFlight());
      if (clientDelay > 0) peakAtHost = Math.max(peakAtHost, atHost(t));
    }
    if (clientDelay === 0) peakAtHost = peakInFlight;
    const stats = engines.reduce((all, engine) => mergeStats(all, engine.finish(epochMs, busy(t))), emptyStats());
    if (opts.otherHosts) {
      stats.clientBacklog = stats.backlog + opts.otherHosts.backlog;
      stats.clientServed = servedCount(stats) + (opts.otherHosts.answersPerSecond * epochMs) / 1000;
    }
    const applied = decision;
    const next = controller.step(t, new Map([[host, stats]])).get(host);
    if (next === undefined) throw new Error(`no decision for ${host}`);
    decision = next;
    epochs.push({ endMs: t, applied, decision, stats, peakInFlight, peakAtHost, goodput: stats.outcomes.ok / (epochMs / 1000) });
  }
  return { epochs, starts };
}
