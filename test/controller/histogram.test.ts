import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUCKET_UPPER_MS,
  bucketOf,
  emptyHistogram,
  HISTOGRAM_BUCKETS,
  histogramCount,
  mergeInto,
  quantile,
  recordSample,
} from '../../src/controller/histogram.js';
import { rng } from './sim.js';

/** `n` samples spread log-uniformly over [lo, hi] ms. */
function logUniform(n: number, lo: number, hi: number, seed: number): number[] {
  const random = rng(seed);
  return Array.from({ length: n }, () => lo * Math.pow(hi / lo, random()));
}

function histogramOf(samples: number[]): Float64Array {
  const h = emptyHistogram();
  for (const s of samples) recordSample(h, s);
  return h;
}

describe('TTFB histogram', () => {
  it('has 96 increasing buckets from 10 ms to 60 s plus overflow, each under 1.1 × the one before', () => {
    assert.equal(HISTOGRAM_BUCKETS, 96);
    assert.equal(BUCKET_UPPER_MS[0], 10);
    assert.ok(Math.abs(BUCKET_UPPER_MS[94]! - 60_000) < 1e-6);
    assert.equal(BUCKET_UPPER_MS[95], Number.POSITIVE_INFINITY);
    for (let i = 1; i < BUCKET_UPPER_MS.length - 1; i++) {
      const ratio = BUCKET_UPPER_MS[i]! / BUCKET_UPPER_MS[i - 1]!;
      assert.ok(ratio > 1 && ratio < 1.1, `bucket ${i} is ${ratio} × the one before`);
    }
  });

  it('sees a median shifted by one queued request in eight as such, wherever it falls in its bucket', () => {
    // 12.5 % is what one request over a capacity of 8 adds; the controller's tolerance is 5 %.
    const random = rng(11);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const lognormal = (median: number): number[] => Array.from({ length: 20_000 }, () => median * Math.exp(0.2 * normal()));
    for (const median of [80, 83, 87, 91, 300]) {
      const shift = quantile(histogramOf(lognormal(1.125 * median)), 0.5) / quantile(histogramOf(lognormal(median)), 0.5);
      assert.ok(Math.abs(shift - 1.125) < 0.015, `median ${median} ms: read as ×${shift.toFixed(3)}`);
    }
  });

  it('puts every sample in the bucket whose bounds hold it', () => {
    for (const ms of [0, 3, 10, 10.01, 99, 100, 1234, 59_999, 60_000, 60_001, 1e7]) {
      const b = bucketOf(ms);
      assert.ok(ms <= BUCKET_UPPER_MS[b]! + 1e-9, `${ms} ms above bucket ${b}`);
      if (b > 0) assert.ok(ms > BUCKET_UPPER_MS[b - 1]! - 1e-9, `${ms} ms below bucket ${b}`);
    }
    assert.equal(bucketOf(1e7), HISTOGRAM_BUCKETS - 1);
  });

  it('estimates quantiles within a bucket width and in order', () => {
    const samples = logUniform(5000, 50, 800, 7).sort((a, b) => a - b);
    const h = histogramOf(samples);
    assert.equal(histogramCount(h), samples.length);
    const width = BUCKET_UPPER_MS[1]! / BUCKET_UPPER_MS[0]!;
    let previous = 0;
    for (const q of [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
      const exact = samples[Math.floor(q * samples.length)]!;
      const estimate = quantile(h, q);
      assert.ok(estimate / exact < width && exact / estimate < width, `q${q}: ${estimate} vs ${exact}`);
      assert.ok(estimate >= previous, `q${q} not monotone`);
      previous = estimate;
    }
    // A spread-out distribution is interpolated much closer than one bucket.
    const median = samples[samples.length / 2]!;
    assert.ok(Math.abs(quantile(h, 0.5) / median - 1) < 0.05);
  });

  it('is NaN when empty', () => {
    assert.ok(Number.isNaN(quantile(emptyHistogram(), 0.5)));
  });

  it('merges by addition exactly as if all samples were recorded in one place', () => {
    const a = logUniform(300, 20, 2000, 1);
    const b = logUniform(700, 100, 400, 2);
    const merged = histogramOf(a);
    mergeInto(merged, histogramOf(b));
    assert.deepEqual(merged, histogramOf([...a, ...b]));
    for (const q of [0.1, 0.5, 0.9]) assert.equal(quantile(merged, q), quantile(histogramOf([...b, ...a]), q));
  });
});
