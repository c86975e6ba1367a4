/**
 * The engine's TTFB histogram (controller/histogram.ts) in Prometheus terms. The engine's buckets
 * are fine-grained for the controller's medians; Prometheus pays one series per bucket, per host and
 * rank, so it gets every k-th of the engine's bounds (at most MAX_BUCKETS). Each engine bucket then
 * lies wholly inside one Prometheus bucket, so bucket counts stay exact. Everything is derived from
 * the engine's constants, so a change of its bucket count or range follows by itself.
 */
import { BUCKET_UPPER_MS } from '../controller/histogram.js';

/** Most finite buckets a TTFB histogram has in Prometheus. */
export const MAX_BUCKETS = 20;

const finite = BUCKET_UPPER_MS.slice(0, -1);
const stride = Math.ceil(finite.length / MAX_BUCKETS);
/** The engine's buckets are geometric; the first one's lower edge and the overflow's upper edge use the same step. */
const step = finite[1]! / finite[0]!;

/**
 * Finite bucket bounds in seconds: engine bounds counted back from the last, so the slowest finite
 * bound is always kept; 4 significant digits keep `le` labels readable.
 */
export const TTFB_BUCKETS_SECONDS: readonly number[] = finite
  .filter((_, i) => (finite.length - 1 - i) % stride === 0)
  .map((ms) => Number((ms / 1000).toPrecision(4)));

/**
 * Where each engine bucket's samples are observed: the geometric middle of the bucket (as the
 * engine's own quantile estimate assumes), so `_sum` is an estimate while `_bucket` and `_count`
 * are exact. The overflow bucket's value lies above the last bound and so lands in `+Inf`.
 */
export const TTFB_OBSERVED_SECONDS: readonly number[] = BUCKET_UPPER_MS.map((upper, i) => {
  const lower = i === 0 ? upper / step : BUCKET_UPPER_MS[i - 1]!;
  const top = Number.isFinite(upper) ? upper : lower * step;
  return Math.sqrt(lower * top) / 1000;
});
