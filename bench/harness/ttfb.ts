/**
 * TTFB inflation: how much longer requests waited at the hosts than they would have without any
 * queueing. Both sides go through the same log-bucketed histogram (src/controller/histogram.ts), so
 * that the bucketing biases the two quantiles alike and an unloaded run scores about 1.
 */
import { BUCKET_UPPER_MS, HISTOGRAM_BUCKETS, quantile } from '../../src/controller/histogram.js';
import type { ServiceTime } from '../farm/index.js';

/** erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), plenty for bucket masses. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}

/** P(service ≤ ms) for the farm's lognormal service time (constant when sigma is 0). */
function serviceCdf(service: ServiceTime, ms: number): number {
  if (!Number.isFinite(ms)) return 1;
  if (service.sigma === 0 || service.medianMs <= 0) return ms >= service.medianMs ? 1 : 0;
  return 0.5 * (1 + erf(Math.log(ms / service.medianMs) / (service.sigma * Math.SQRT2)));
}

/** Adds `count` requests' expected unloaded TTFB (their service time alone) to `hist`. */
export function addUnloaded(hist: Float64Array, service: ServiceTime, count: number): void {
  let below = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
    const upTo = serviceCdf(service, BUCKET_UPPER_MS[i]!);
    hist[i]! += count * (upTo - below);
    below = upTo;
  }
}

export const TTFB_QUANTILE = 0.95;

/** p95 of the measured TTFB over p95 of the unloaded one; 1 when nothing was measured. */
export function ttfbInflation(measured: ArrayLike<number>, unloaded: ArrayLike<number>): number {
  const m = quantile(measured, TTFB_QUANTILE);
  const u = quantile(unloaded, TTFB_QUANTILE);
  return Number.isFinite(m) && Number.isFinite(u) && u > 0 ? m / u : 1;
}
