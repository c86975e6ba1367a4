/**
 * The narrow interface between the engine (which measures) and the controller (which decides).
 * The download driver passes per-host epoch statistics from the engine to the controller and the
 * controller's per-host decisions back; under MPI an allreduce sits between the two, so every field
 * of HostEpochStats must merge across ranks by SUM (counts, histograms, time-weighted in-flight,
 * demand, backlog) or MAX (retryAfterUntil) — see mergeStats().
 */
import { HISTOGRAM_BUCKETS } from './histogram.js';

/**
 * Outcome classes of a finished request. DNS and other client-side failures (`dns`, `client`)
 * never shrink a host's budget: they say nothing about the server's load.
 */
export const OUTCOME_CLASSES = [
  'ok', // 2xx (and a 3xx that ended in a 2xx)
  'final4xx', // 404/410 and other final 4xx
  'tooMany', // 429
  'unavailable', // 503
  'server5xx', // other 5xx
  'connectFail', // connection refused / connect timeout
  'ttfbTimeout', // no response headers in time
  'bodyStall', // body stopped flowing
  'reset', // connection reset / socket hang up / truncated body
  'dns', // name did not resolve
  'client', // our own failure: refused address, too large, not an image, redirect loop, …
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** What one rank saw of one host during one epoch. All fields add up across ranks except retryAfterUntil (max). */
export interface HostEpochStats {
  /** TTFB histogram (request sent → response headers) of requests that got headers, see histogram.ts. */
  ttfbHist: Float64Array;
  /** Finished requests by class, counting only requests sent at the current decision generation. */
  outcomes: Record<OutcomeClass, number>;
  /** Finished requests by class that were sent under an older generation (before the last cut). */
  staleOutcomes: number;
  /** Requests started this epoch. */
  started: number;
  /** Time-averaged number of requests in flight over the epoch. */
  inflightAvg: number;
  /** Highest in-flight count seen this epoch. */
  inflightPeak: number;
  /** Seconds (summed over ranks) during which the rank had queued work but was at its share. */
  demandLimitedSeconds: number;
  /** Length of the epoch in seconds (summed over ranks, so the ratios above and below are fractions). */
  epochSeconds: number;
  /**
   * Seconds (summed over ranks) the rank's event loop was busy: near epochSeconds, the client itself
   * is the bottleneck, and its own queueing is part of every TTFB it measures.
   */
  clientBusySeconds: number;
  /** Requests waiting for this host (queued, not in flight), at the end of the epoch. */
  backlog: number;
  /**
   * Requests waiting for any host of the rank at the end of the epoch. Summed over the ranks that
   * hold the host, like the other fields: backlog's share of it is the host's share of those ranks'
   * turns.
   */
  clientBacklog: number;
  /** Answers without complaint (see servedCount) from all hosts of the rank this epoch; summed as clientBacklog. */
  clientServed: number;
  /** Absolute time (ms since the Unix epoch) until which the host asked us to wait (Retry-After); 0 if none. */
  retryAfterUntil: number;
}

/** The controller's verdict for one host, identical on every rank. */
export interface HostDecision {
  /** Global concurrency limit L for the host (all ranks together). */
  limit: number;
  /** Global pacing rate P in requests per second, or 0 when the host is not paced. */
  pacingRate: number;
  /** Absolute time (ms) before which no request may be sent to the host; 0 if not blocked. */
  blockedUntil: number;
  /**
   * Incremented on every cut. The engine tags each request with the generation in force when it was
   * sent and reports outcomes of older generations as staleOutcomes, so a cut is judged only on
   * requests sent after it.
   */
  generation: number;
}

/** One rank's part of a host's decision, what the engine enforces. */
export interface HostShare {
  /** This rank's concurrency share (≥ 0). */
  limit: number;
  /** This rank's pacing rate in requests per second, 0 = unpaced. */
  pacingRate: number;
  blockedUntil: number;
  generation: number;
}

export function emptyStats(): HostEpochStats {
  return {
    ttfbHist: new Float64Array(HISTOGRAM_BUCKETS),
    outcomes: Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>,
    staleOutcomes: 0,
    started: 0,
    inflightAvg: 0,
    inflightPeak: 0,
    demandLimitedSeconds: 0,
    epochSeconds: 0,
    clientBusySeconds: 0,
    backlog: 0,
    clientBacklog: 0,
    clientServed: 0,
    retryAfterUntil: 0,
  };
}
