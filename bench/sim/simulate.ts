/**
 * The multi-rank download in virtual time: the real controller (src/controller/) decides every
 * epoch from the statistics of all ranks summed as the allreduce sums them (encodeSum per rank,
 * element-wise addition, decodeStats), and each rank takes its max-min share (splitDecision). The
 * ranks' engines are reduced to what the controller sees of them: in flight up to their share (and
 * pacing), a halved share after a local burst of overload answers, a stop until Retry-After.
 * Every rank would compute the same decisions, so one Controller stands for all of them.
 */
import {
  Controller,
  controllerOptions,
  decodeStats,
  emptyStats,
  encodeMax,
  encodeSum,
  MAX_WIDTH,
  splitDecision,
  SUM_WIDTH,
  type AlgorithmName,
  type HostEpochStats,
  type HostShare,
} from '../../src/controller/index.js';
import { createRng, deriveSeed } from '../farm/rng.js';
import { addSamples, respond } from './host-model.js';
import { oracleRps, type SimHostSpec, type Workload } from './workload.js';

export interface SimOptions {
  algorithm: AlgorithmName;
  /** Virtual seconds simulated. */
  seconds: number;
  epochMs: number;
  /** Slices per epoch: the host model's time step. */
  slices: number;
  /** Starting rate of every host (profiles.csv's default_rate_limit). */
  initialRate: number;
  /** The most a rank asks of one host (download.demand_cap). */
  demandCap: number;
  /** Overload answers in an epoch after which a rank halves its own share (engine.overload_burst). */
  overloadBurst: number;
  seed: number;
}

export interface SimReport {
  algorithm: AlgorithmName;
  /** Completed requests over the oracle's, whole run and second half. */
  goodput: number;
  goodputSteady: number;
  /** Overload answers (429/503) per 10,000 requests sent. */
  overloadPer10k: number;
  /** First time (s) all hosts together reached 90 % of the oracle; undefined if never. */
  convergeAllS: number | undefined;
  /** Median and 90th percentile over hosts of the first time each reached 90 % of its oracle (s). */
  convergeHostP50S: number | undefined;
  convergeHostP90S: number | undefined;
  /** Hosts that never reached 90 % of their oracle. */
  hostsNeverConverged: number;
  /** Highest (sum of the ranks' shares) / limit over every host and epoch: ≤ 1 is the invariant. */
  maxShareOverLimit: number;
  /**
   * Median and 90th percentile over hosts of their time-averaged in-flight over capacity in the
   * second half, counted while the host had at least `capacity` URLs left (so the client could
   * fill it): how closely the controller holds a host at its capacity.
   */
  inflightOverCapacityP50: number | undefined;
  inflightOverCapacityP90: number | undefined;
  /** Share of those host-epochs whose average in-flight exceeded 1.1 · capacity + 1. */
  epochsOverBound: number;
  /** Completed requests in the virtual run. */
  requests: number;
  /** Wall-clock seconds the simulation took. */
  wallS: number;
}

interface RankOnHost {
  rank: number;
  work: number;
  share: HostShare;
  /** The share as this rank enforces it: lowered (never raised) between epochs after a burst. */
  limit: number;
  blockedUntil: number;
  stats: HostEpochStats;
  inflightSeconds: number;
  inFlight: number;
  /** Served requests of the epoch and the sum of log(median TTFB) over them: the histogram is filled once per epoch. */
  servedCount: number;
  servedLogMedian: number;
}

interface HostRun {
  spec: SimHostSpec;
  ranks: RankOnHost[];
  /** Requests per second at full capacity. */
  oracle: number;
  ttfbMs: number;
  servedThisEpoch: number;
  /** What a perfect client could have completed this epoch, given the URLs left. */
  oracleThisEpoch: number;
  reachedAtS: number | undefined;
  /** In-flight seconds and seconds of this epoch during which the host had `capacity` URLs left. */
  loadThisEpoch: number;
  loadedThisEpoch: number;
  /** The same summed over the second half, and its epochs: all, and those over 1.1 · capacity + 1. */
  loadSteady: number;
  loadedSteady: number;
  epochsLoaded: number;
  epochsOver: number;
}

const IDLE_SHARE: HostShare = { limit: 0, pacingRate: 0, blockedUntil: 0, generation: 0 };

function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The statistics of all ranks on a host, summed as the allreduce does (SUM and MAX vectors). */
function allreduced(ranks: readonly RankOnHost[], sum: Float64Array, max: Float64Array, scratch: Float64Array): HostEpochStats {
  sum.fill(0);
  max.fill(0);
  for (const r of ranks) {
    encodeSum(r.stats, scratch, 0);
    for (let i = 0; i < SUM_WIDTH; i++) sum[i]! += scratch[i]!;
    encodeMax(r.stats, scratch, 0);
    for (let i = 0; i < MAX_WIDTH; i++) max[i] = Math.max(max[i]!, scratch[i]!);
  }
  return decodeStats(sum, 0, max, 0);
}

export function simulate(workload: Workload, o: SimOptions): SimReport {
  const started = performance.now();
  const rng = createRng(deriveSeed(o.seed, 2));
  const controller = new Controller(controllerOptions({ algorithm: o.algorithm, epoch_ms: o.epochMs }));
  let now = 1_700_000_000_000;
  const hosts: HostRun[] = workload.hosts.map((spec, h) => {
    controller.seed(spec.name, o.initialRate);
    const ranks = workload.pairs[h]!;
    const first = splitDecision(controller.decision(spec.name, now), ranks.map(() => Number.MAX_SAFE_INTEGER), 0);
    return {
      spec,
      oracle: oracleRps(spec),
      ttfbMs: spec.serviceMs,
      servedThisEpoch: 0,
      oracleThisEpoch: 0,
      reachedAtS: undefined,
      loadThisEpoch: 0,
      loadedThisEpoch: 0,
      loadSteady: 0,
      loadedSteady: 0,
      epochsLoaded: 0,
      epochsOver: 0,
      ranks: ranks.map((p, i) => ({
        rank: p.rank,
        work: p.urls,
        share: first[i] ?? IDLE_SHARE,
        limit: first[i]?.limit ?? 0,
        blockedUntil: 0,
        stats: emptyStats(),
        inflightSeconds: 0,
        inFlight: 0,
        servedCount: 0,
        servedLogMedian: 0,
      })),
    };
  });
  const sumVector = new Float64Array(SUM_WIDTH);
  const maxVector = new Float64Array(MAX_WIDTH);
  const scratch = new Float64Array(SUM_WIDTH);
  const dt = o.epochMs / 1000 / o.slices;
  const epochs = Math.round((o.seconds * 1000) / o.epochMs);
  let served = 0;
  let oracle = 0;
  let servedSteady = 0;
  let oracleSteady = 0;
  let rejected = 0;
  let maxShareOverLimit = 0;
  let convergeAllS: number | undefined;

  for (let e = 0; e < epochs; e++) {
    let epochServed = 0;
    let epochOracle = 0;
    for (let s = 0; s < o.slices; s++) {
      now += dt * 1000;
      for (const host of hosts) {
        let n = 0;
        for (const r of host.ranks) {
          const blocked = now < Math.max(r.share.blockedUntil, r.blockedUntil);
          let allowed = blocked ? 0 : r.limit;
          // A paced rank keeps about rate × TTFB requests in flight (Little's law).
          if (r.share.pacingRate > 0) allowed = Math.min(allowed, (r.share.pacingRate * host.ttfbMs) / 1000);
          r.inFlight = Math.min(allowed, r.work);
          n += r.inFlight;
          if (r.work > 0 && !blocked) {
            r.stats.epochSeconds += dt;
            if (r.work > r.inFlight && r.inFlight >= r.limit) r.stats.demandLimitedSeconds += dt;
          }
          r.inflightSeconds += r.inFlight * dt;
        }
        // A perfect client keeps min(capacity, URLs left) in flight: the oracle of a nearly done host shrinks.
        const left = host.ranks.reduce((a, r) => a + r.work, 0);
        const possible = host.oracle * Math.min(1, left / host.spec.capacity) * dt;
        epochOracle += possible;
        host.oracleThisEpoch += possible;
        if (left >= host.spec.capacity) {
          host.loadThisEpoch += n * dt;
          host.loadedThisEpoch += dt;
        }
        if (n <= 0) continue;
        const out = respond(host.spec, n);
        host.ttfbMs = out.ttfbMs;
        for (const r of host.ranks) {
          if (r.inFlight <= 0) continue;
          const part = r.inFlight / n;
          const done = Math.min(r.work, out.servedPerS * dt * part);
          const refused = out.rejectedPerS * dt * part;
          r.work -= done;
          host.servedThisEpoch += done;
          epochServed += done;
          rejected += refused;
          const st = r.stats;
          st.outcomes.ok += done;
          st.outcomes[host.spec.overload] += refused;
          st.started += done + refused;
          st.inflightPeak = Math.max(st.inflightPeak, r.inFlight);
          r.servedCount += done;
          r.servedLogMedian += done * Math.log(out.ttfbMedianMs);
          st.ttfbHist[0]! += refused;
          if (refused > 0 && host.spec.retryAfterS > 0) {
            st.retryAfterUntil = Math.max(st.retryAfterUntil, now + host.spec.retryAfterS * 1000);
            r.blockedUntil = st.retryAfterUntil;
          }
          const overloads = st.outcomes.tooMany + st.outcomes.unavailable;
          if (overloads >= o.overloadBurst && r.limit === r.share.limit) r.limit = Math.max(1, Math.floor(r.limit / 2));
        }
      }
    }

    // The epoch exchange: shared hosts' statistics summed over their ranks, one decision for all.
    const epochS = o.epochMs / 1000;
    const statsByHost = new Map<string, HostEpochStats>();
    for (const host of hosts) {
      const active = host.ranks.filter((r) => r.work > 0 || r.inFlight > 0);
      for (const r of host.ranks) {
        if (r.servedCount > 0) addSamples(r.stats.ttfbHist, r.servedCount, Math.exp(r.servedLogMedian / r.servedCount), host.spec.sigma, rng);
        r.stats.inflightAvg = r.inflightSeconds / epochS;
        r.stats.backlog = Math.max(0, r.work - r.inFlight);
      }
      if (active.length > 0) statsByHost.set(host.spec.name, active.length === 1 ? active[0]!.stats : allreduced(active, sumVector, maxVector, scratch));
    }
    const epochIndex = controller.epoch;
    const decisions = controller.step(now, statsByHost);
    const tS = ((e + 1) * o.epochMs) / 1000;
    for (const host of hosts) {
      const decision = decisions.get(host.spec.name)!;
      const demands = host.ranks.map((r) => (r.work > 0 ? Math.min(o.demandCap, Math.ceil(r.stats.backlog + r.stats.inflightAvg)) : 0));
      const shares = splitDecision(decision, demands, epochIndex);
      const limit = Math.floor(decision.limit);
      if (limit > 0) maxShareOverLimit = Math.max(maxShareOverLimit, shares.reduce((a, b) => a + b.limit, 0) / limit);
      host.ranks.forEach((r, i) => {
        r.share = shares[i]!;
        r.limit = r.share.limit;
        r.stats = emptyStats();
        r.inflightSeconds = 0;
        r.servedCount = 0;
        r.servedLogMedian = 0;
      });
      if (host.reachedAtS === undefined && host.oracleThisEpoch > 0 && host.servedThisEpoch >= 0.9 * host.oracleThisEpoch) host.reachedAtS = tS;
      if (e >= epochs / 2 && host.loadedThisEpoch > 0) {
        host.loadSteady += host.loadThisEpoch;
        host.loadedSteady += host.loadedThisEpoch;
        host.epochsLoaded += 1;
        if (host.loadThisEpoch / host.loadedThisEpoch > 1.1 * host.spec.capacity + 1) host.epochsOver += 1;
      }
      host.servedThisEpoch = 0;
      host.oracleThisEpoch = 0;
      host.loadThisEpoch = 0;
      host.loadedThisEpoch = 0;
    }
    served += epochServed;
    oracle += epochOracle;
    if (e >= epochs / 2) {
      servedSteady += epochServed;
      oracleSteady += epochOracle;
    }
    if (convergeAllS === undefined && epochServed >= 0.9 * epochOracle) convergeAllS = tS;
  }

  const reached = hosts.map((h) => h.reachedAtS).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const loaded = hosts.filter((h) => h.loadedSteady > 0);
  const overCapacity = loaded.map((h) => h.loadSteady / h.loadedSteady / h.spec.capacity).sort((a, b) => a - b);
  const epochsLoaded = loaded.reduce((n, h) => n + h.epochsLoaded, 0);
  return {
    algorithm: o.algorithm,
    goodput: served / oracle,
    goodputSteady: servedSteady / oracleSteady,
    overloadPer10k: (1e4 * rejected) / (served + rejected),
    convergeAllS,
    convergeHostP50S: percentile(reached, 0.5),
    convergeHostP90S: percentile(reached, 0.9),
    hostsNeverConverged: hosts.length - reached.length,
    maxShareOverLimit,
    inflightOverCapacityP50: percentile(overCapacity, 0.5),
    inflightOverCapacityP90: percentile(overCapacity, 0.9),
    epochsOverBound: epochsLoaded > 0 ? loaded.reduce((n, h) => n + h.epochsOver, 0) / epochsLoaded : 0,
    requests: served,
    wallS: (performance.now() - started) / 1000,
  };
}
