/**
 * Log-bucketed TTFB histogram. Buckets are fixed for every rank, so histograms from many ranks
 * merge by plain element-wise addition (which is what the MPI allreduce does).
 */

/** Lowest bucket's upper bound, in milliseconds. */
export const HISTOGRAM_MIN_MS = 10;
/** Highest finite bucket bound, in milliseconds; anything slower lands in the last bucket. */
export const HISTOGRAM_MAX_MS = 60_000;
/**
 * Number of buckets: 95 geometric bounds from 10 ms to 60 s (each ≈ 1.097 × the previous) plus an
 * overflow bucket. Buckets this narrow keep the interpolated median within about 0.5 % of the true
 * one even for a tight spread (σ 0.1), so a 5 % latency tolerance measures queueing and not where
 * the median happens to sit in its bucket; with 24 buckets (1.49 ×) a 25 % rise could read as 10 %.
 */
export const HISTOGRAM_BUCKETS = 96;

const ratio = Math.pow(HISTOGRAM_MAX_MS / HISTOGRAM_MIN_MS, 1 / (HISTOGRAM_BUCKETS - 2));

/** Upper bound (ms) of each bucket; the last is +Infinity. */
export const BUCKET_UPPER_MS: readonly number[] = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) =>
  i === HISTOGRAM_BUCKETS - 1 ? Number.POSITIVE_INFINITY : HISTOGRAM_MIN_MS * Math.pow(ratio, i),
);

/** Index of the bucket that holds a sample of `ms` milliseconds. */
export function bucketOf(ms: number): number {
  if (!(ms > HISTOGRAM_MIN_MS)) return 0;
  const i = Math.ceil(Math.log(ms / HISTOGRAM_MIN_MS) / Math.log(ratio) - 1e-9);
  return Math.min(i, HISTOGRAM_BUCKETS - 1);
}

export function emptyHistogram(): Float64Array {
  return new Float64Array(HISTOGRAM_BUCKETS);
}

export function recordSample(hist: Float64Array, ms: number): void {
  hist[bucketOf(ms)]! += 1;
}

export function histogramCount(hist: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < hist.length; i++) n += hist[i]!;
  return n;
}

/** Adds `from` into `into` element-wise. */
export function mergeInto(into: Float64Array, from: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i]! += from[i] ?? 0;
}

/**
 * The q-quantile (0..1) in milliseconds, interpolated geometrically inside its bucket.
 * Returns NaN for an empty histogram.
 */
export function quantile(hist: ArrayLike<number>, q: number): number {
  const total = histogramCount(hist);
  if (total === 0) return Number.NaN;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i]!;
    if (c > 0 && seen + c >= target) {
      const lo = i === 0 ? HISTOGRAM_MIN_MS / ratio : BUCKET_UPPER_MS[i - 1]!;
      const hi = i === hist.length - 1 ? lo * ratio : BUCKET_UPPER_MS[i]!;
      const frac = Math.min(1, Math.max(0, (target - seen) / c));
      return lo * Math.pow(hi / lo, frac);
    }
    seen += c;
  }
  return BUCKET_UPPER_MS[BUCKET_UPPER_MS.length - 2]!;
}
