/**
 * Combining HostEpochStats across ranks. Every field adds up except retryAfterUntil, which takes the
 * maximum; the flat encoding therefore has two vectors per host, one for an allreduce with SUM and
 * one for an allreduce with MAX.
 */
import { HISTOGRAM_BUCKETS, mergeInto } from './histogram.js';
import { emptyStats, OUTCOME_CLASSES, type HostEpochStats } from './types.js';

/** The scalar fields that add up across ranks, in encoding order. */
const SUMMED_SCALARS = [
  'staleOutcomes',
  'started',
  'inflightAvg',
  'inflightPeak',
  'demandLimitedSeconds',
  'epochSeconds',
  'clientBusySeconds',
  'backlog',
  'clientBacklog',
  'clientServed',
] as const;

/** Numbers per host in the SUM vector: histogram, outcome counts, summed scalars. */
export const SUM_WIDTH = HISTOGRAM_BUCKETS + OUTCOME_CLASSES.length + SUMMED_SCALARS.length;
/** Numbers per host in the MAX vector: retryAfterUntil. */
export const MAX_WIDTH = 1;

/** Adds `from` into `into`: sums everything, keeps the later retryAfterUntil. */
export function mergeStats(into: HostEpochStats, from: HostEpochStats): HostEpochStats {
  mergeInto(into.ttfbHist, from.ttfbHist);
  for (const c of OUTCOME_CLASSES) into.outcomes[c] += from.outcomes[c];
  for (const k of SUMMED_SCALARS) into[k] += from[k];
  into.retryAfterUntil = Math.max(into.retryAfterUntil, from.retryAfterUntil);
  return into;
}

/** Writes the summable part of `stats` into `out` at `offset` (SUM_WIDTH numbers). */
export function encodeSum(stats: HostEpochStats, out: Float64Array, offset = 0): void {
  out.set(stats.ttfbHist, offset);
  let i = offset + HISTOGRAM_BUCKETS;
  for (const c of OUTCOME_CLASSES) out[i++] = stats.outcomes[c];
  for (const k of SUMMED_SCALARS) out[i++] = stats[k];
}

/** Writes the maximized part of `stats` into `out` at `offset` (MAX_WIDTH numbers). */
export function encodeMax(stats: HostEpochStats, out: Float64Array, offset = 0): void {
  out[offset] = stats.retryAfterUntil;
}

/** Rebuilds stats from the two vectors written by encodeSum and encodeMax (after the allreduce). */
export function decodeStats(
  sum: Float64Array,
  sumOffset: number,
  max: Float64Array,
  maxOffset: number,
): HostEpochStats {
  const stats = emptyStats();
  stats.ttfbHist.set(sum.subarray(sumOffset, sumOffset + HISTOGRAM_BUCKETS));
  let i = sumOffset + HISTOGRAM_BUCKETS;
  for (const c of OUTCOME_CLASSES) stats.outcomes[c] = sum[i++]!;
  for (const k of SUMMED_SCALARS) stats[k] = sum[i++]!;
  stats.retryAfterUntil = max[maxOffset]!;
  return stats;
}

/** The two vectors for a list of hosts, in the order given (every rank must use the same order). */
export interface EncodedStats {
  sum: Float64Array;
  max: Float64Array;
}

/** Encodes the stats of `hosts` (absent hosts as empty stats) into one SUM and one MAX vector. */
export function encodeHosts(hosts: readonly string[], statsByHost: ReadonlyMap<string, HostEpochStats>): EncodedStats {
  const sum = new Float64Array(hosts.length * SUM_WIDTH);
  const max = new Float64Array(hosts.length * MAX_WIDTH);
  hosts.forEach((host, h) => {
    const stats = statsByHost.get(host);
    if (stats === undefined) return;
    encodeSum(stats, sum, h * SUM_WIDTH);
    encodeMax(stats, max, h * MAX_WIDTH);
  });
  return { sum, max };
}

/** Inverse of encodeHosts. */
export function decodeHosts(hosts: readonly string[], encoded: EncodedStats): Map<string, HostEpochStats> {
  const out = new Map<string, HostEpochStats>();
  hosts.forEach((host, h) => out.set(host, decodeStats(encoded.sum, h * SUM_WIDTH, encoded.max, h * MAX_WIDTH)));
  return out;
}
