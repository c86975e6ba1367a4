/** Building blocks for scenario URL lists. */
import type { ImageVariant } from './images.js';
import type { Rng } from './rng.js';
import type { UrlSpec } from './url-spec.js';

/** Roughly what an image collection holds: mostly mid-sized JPEGs, some thumbnails, large photos, PNGs, GIFs. */
const VARIANT_WEIGHTS: readonly (readonly [ImageVariant, number])[] = [
  ['medium', 0.7],
  ['small', 0.1],
  ['large', 0.05],
  ['png', 0.1],
  ['gif', 0.05],
];

export function drawVariant(rng: Rng): ImageVariant {
  let u = rng.next();
  for (const [variant, weight] of VARIANT_WEIGHTS) {
    if ((u -= weight) < 0) return variant;
  }
  return 'medium';
}

/** `count` image URLs; `variant` fixes the variant, otherwise it is drawn from the usual mix. */
export function imageUrls(rng: Rng, count: number, variant?: ImageVariant): UrlSpec[] {
  return Array.from({ length: count }, () => ({ kind: 'img', variant: variant ?? drawVariant(rng) }));
}

/** `count` URLs that all do the same thing. */
export function sameUrls(count: number, spec: UrlSpec): UrlSpec[] {
  return Array.from({ length: count }, () => spec);
}

/** Every per-URL fault, so a host serving `faultUrls` shows each of them. */
export function faultCatalogue(rng: Rng): UrlSpec[] {
  return [
    { kind: 'status', code: 404 },
    { kind: 'status', code: 403 },
    { kind: 'status', code: 410 },
    { kind: 'status', code: 500 },
    { kind: 'reset' },
    { kind: 'truncated', variant: 'medium' },
    { kind: 'stall', variant: 'medium' },
    { kind: 'hang' },
    { kind: 'huge' },
    { kind: 'html' },
    { kind: 'redirect', hops: rng.int(1, 4), variant: drawVariant(rng) },
    { kind: 'loop', step: 0 },
  ];
}

/** Images with a share of faults drawn from `faults` (default: every fault), in seeded order. */
export function mixedUrls(rng: Rng, count: number, faultShare: number, faults?: readonly UrlSpec[]): UrlSpec[] {
  const pool = faults ?? faultCatalogue(rng);
  return Array.from({ length: count }, (): UrlSpec =>
    rng.next() < faultShare ? rng.pick(pool) : { kind: 'img', variant: drawVariant(rng) },
  );
}

/** `n` scaled, at least 1: tests shrink scenarios with scale < 1 without emptying hosts. */
export function scaled(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}

/**
 * Splits `total` URLs across hosts in proportion to `weights` (largest remainder), each host at least
 * one, so that hosts served at their oracle rates finish together.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const rest = Math.max(0, total - weights.length);
  const exact = weights.map((w) => (sum > 0 ? (rest * w) / sum : rest / weights.length));
  const counts = exact.map((e) => 1 + Math.floor(e));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    counts[i]! += 1;
    left--;
  }
  return counts;
}
