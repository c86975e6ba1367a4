import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Baseline, LatencyWindow, type LatencyReading } from '../../src/controller/latency-window.js';
import { busyEpoch } from './helpers.js';

/** A full reading with this median and standard error. */
function reading(p50: number, logSe: number): LatencyReading {
  return { p50, logSe, full: true, first: true, demandLimited: 1, clientBusy: 0, utilisation: 1, inflight: 1, throughput: 1 };
}

describe('latency window', () => {
  it('reads once it has min_samples, and keeps gathering until reset', () => {
    const w = new LatencyWindow(20, 10);
    assert.equal(w.add(busyEpoch(10, 100, 4), 4, 1), undefined, 'too few samples');
    const first = w.add(busyEpoch(10, 100, 4), 4, 1)!;
    assert.equal(first.first, true);
    assert.ok(Math.abs(first.p50 / 100 - 1) < 0.05);
    assert.equal(first.throughput, 10, 'answers per second over both epochs');
    assert.equal(first.utilisation, 1);
    const more = w.add(busyEpoch(30, 100, 2), 4, 1)!;
    assert.equal(more.first, false, 'a window that runs on is read again, not anew');
    assert.ok(more.logSe < first.logSe, 'more samples, a narrower band');
    assert.ok(Math.abs(more.inflight - 10 / 3) < 1e-9);
    assert.ok(Math.abs(more.utilisation - 10 / 12) < 1e-9);
    w.reset();
    assert.equal(w.add(busyEpoch(30, 100, 4), 4, 1)!.first, true);
  });

  it('is read after max_window_epochs even with few samples, and dropped when it has none', () => {
    const w = new LatencyWindow(20, 3);
    assert.equal(w.add(busyEpoch(2, 100, 1), 1, 1), undefined);
    assert.equal(w.add(busyEpoch(2, 100, 1), 1, 1), undefined);
    const thin = w.add(busyEpoch(2, 100, 1), 1, 1)!;
    assert.equal(thin.full, false);
    assert.equal(w.extendable, false);
    w.reset();
    for (let e = 0; e < 3; e++) assert.equal(w.add(busyEpoch(0, 100, 0), 1, 1), undefined);
    assert.equal(w.extendable, true, 'an empty window starts over');
  });
});

describe('latency baseline', () => {
  it('pools the readings of the limits below capacity and keeps those of a queued host out', () => {
    const b = new Baseline(30, 2);
    // Unloaded at limits 3..8, noisy; queued at 9 and 10 by 12.5 % and 25 %, precise.
    const unloaded = [104, 97, 101, 99, 103, 98];
    unloaded.forEach((ms, i) => b.push(reading(ms, 0.04), 3 + i));
    for (let i = 0; i < 10; i++) b.push(reading(112.5, 0.01), 9);
    for (let i = 0; i < 5; i++) b.push(reading(125, 0.01), 10);
    const base = b.estimate()!;
    assert.ok(Math.abs(base.ms / 100.3 - 1) < 0.01, `baseline ${base.ms}`);
    assert.ok(base.logSe < 0.04, 'pooled: more precise than any one reading');
  });

  it('leaves out readings at or above a remembered ceiling, unless there are no others', () => {
    const b = new Baseline(30, 2);
    b.push(reading(100, 0.05), 4);
    b.push(reading(104, 0.01), 6);
    assert.ok(b.estimate()!.ms > 103, 'a precise reading dominates the pool');
    assert.ok(Math.abs(b.estimate(6)!.ms - 100) < 1e-9);
    assert.equal(b.estimate(4)!.ms, b.estimate()!.ms, 'with nothing below the ceiling, all readings count');
  });

  it('expires when none of the newer half of its history shares the baseline', () => {
    const b = new Baseline(4, 2);
    b.push(reading(100, 0.01), 8);
    b.push(reading(100, 0.01), 8);
    b.push(reading(100, 0.01), 8);
    b.push(reading(100, 0.01), 8);
    assert.equal(b.expiring(), false);
    b.push(reading(120, 0.01), 9);
    assert.equal(b.expiring(), false, 'one newer reading still shares it');
    b.push(reading(120, 0.01), 9);
    assert.equal(b.expiring(), true);
  });
});
