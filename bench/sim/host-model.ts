/**
 * A host as a fluid queue, stepped in slices of virtual time: n requests arrive at once from all
 * ranks; up to `capacity` are served, up to `queueLimit` more wait (TTFB grows with the queue, as
 * Little's law gives for a closed loop), the rest are answered 429/503 at once and, since the engine
 * sends the next queued URL into a freed slot, keep drawing overload answers every round trip.
 * Far cheaper than simulating each request, which 200 M URLs over 545 hosts would need.
 */
import { BUCKET_UPPER_MS, HISTOGRAM_BUCKETS } from '../../src/controller/histogram.js';
import type { Rng } from '../farm/rng.js';
import { meanOf, type SimHostSpec } from './workload.js';

/** Round trip of an overload answer, seconds: how often a rejected slot is answered again. */
export const OVERLOAD_RTT_S = 0.02;

export interface SliceOutcome {
  /** Requests completed per second (served). */
  servedPerS: number;
  /** Overload answers per second, all ranks together. */
  rejectedPerS: number;
  /** Mean TTFB of served requests, ms. */
  ttfbMs: number;
  /** Median TTFB of served requests, ms (where the histogram is centred). */
  ttfbMedianMs: number;
}

export function respond(host: SimHostSpec, inFlight: number): SliceOutcome {
  const accepted = Math.min(inFlight, host.capacity + host.queueLimit);
  const rejectedSlots = inFlight - accepted;
  const mean = meanOf(host.serviceMs, host.sigma);
  const stretch = Math.max(1, accepted / host.capacity);
  return {
    servedPerS: (1000 * Math.min(accepted, host.capacity)) / mean,
    rejectedPerS: rejectedSlots / OVERLOAD_RTT_S,
    ttfbMs: mean * stretch,
    ttfbMedianMs: host.serviceMs * stretch,
  };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Adds `count` log-normal TTFB samples (median, sigma) to `hist` without drawing each: expected
 * counts per bucket plus normal noise of the multinomial's size, so medians are as noisy as real ones.
 */
export function addSamples(hist: Float64Array, count: number, medianMs: number, sigma: number, rng: Rng): void {
  if (count <= 0) return;
  let below = 0;
  for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
    const upper = BUCKET_UPPER_MS[b]!;
    const cdf = Number.isFinite(upper) ? phi(Math.log(upper / medianMs) / sigma) : 1;
    const p = cdf - below;
    below = cdf;
    if (p <= 0) continue;
    const expected = count * p;
    hist[b]! += Math.max(0, expected + Math.sqrt(expected * (1 - p)) * rng.normal());
    if (cdf > 1 - 1e-9) return;
  }
}
