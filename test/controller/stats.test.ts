import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeHosts,
  decodeStats,
  encodeHosts,
  encodeMax,
  encodeSum,
  MAX_WIDTH,
  mergeStats,
  SUM_WIDTH,
} from '../../src/controller/stats.js';
import { emptyStats, OUTCOME_CLASSES, type HostEpochStats } from '../../src/controller/types.js';
import { rng } from './sim.js';

function randomStats(seed: number): HostEpochStats {
  const random = rng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const s = emptyStats();
  for (let i = 0; i < s.ttfbHist.length; i++) s.ttfbHist[i] = int(50);
  for (const c of OUTCOME_CLASSES) s.outcomes[c] = int(100);
  s.staleOutcomes = int(20);
  s.started = int(500);
  s.inflightAvg = random() * 30;
  s.inflightPeak = int(40);
  s.demandLimitedSeconds = random();
  s.epochSeconds = 1;
  s.backlog = int(10_000);
  s.retryAfterUntil = random() < 0.5 ? 0 : 1_700_000_000_000 + int(60_000);
  return s;
}

describe('HostEpochStats across ranks', () => {
  it('mergeStats sums every count and keeps the latest Retry-After', () => {
    const a = randomStats(1);
    const b = randomStats(2);
    a.retryAfterUntil = 1_700_000_001_000;
    b.retryAfterUntil = 1_700_000_005_000;
    const merged = mergeStats(structuredClone(a), b);
    for (let i = 0; i < a.ttfbHist.length; i++) assert.equal(merged.ttfbHist[i], a.ttfbHist[i]! + b.ttfbHist[i]!);
    for (const c of OUTCOME_CLASSES) assert.equal(merged.outcomes[c], a.outcomes[c] + b.outcomes[c]);
    assert.equal(merged.started, a.started + b.started);
    assert.equal(merged.backlog, a.backlog + b.backlog);
    assert.equal(merged.epochSeconds, 2);
    assert.equal(merged.inflightAvg, a.inflightAvg + b.inflightAvg);
    assert.equal(merged.retryAfterUntil, 1_700_000_005_000);
  });

  it('round-trips through the flat SUM and MAX vectors', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const stats = randomStats(seed);
      const sum = new Float64Array(SUM_WIDTH + 3);
      const max = new Float64Array(MAX_WIDTH + 2);
      encodeSum(stats, sum, 3);
      encodeMax(stats, max, 2);
      assert.deepEqual(decodeStats(sum, 3, max, 2), stats);
    }
  });

  it('an element-wise SUM and MAX of the ranks\' vectors decodes to the merged stats', () => {
    const hosts = ['a.example', 'b.example:8080', 'c.example'];
    const ranks = [1, 2, 3].map(
      (r) => new Map(hosts.filter((_, i) => i !== r - 1).map((h, i) => [h, randomStats(r * 10 + i)])),
    );
    const encoded = ranks.map((m) => encodeHosts(hosts, m));
    const sum = new Float64Array(encoded[0]!.sum.length);
    const max = new Float64Array(encoded[0]!.max.length);
    for (const e of encoded) {
      e.sum.forEach((x, i) => (sum[i]! += x));
      e.max.forEach((x, i) => (max[i] = Math.max(max[i]!, x)));
    }
    const decoded = decodeHosts(hosts, { sum, max });
    for (const host of hosts) {
      const expected = emptyStats();
      for (const m of ranks) {
        const s = m.get(host);
        if (s) mergeStats(expected, s);
      }
      assert.deepEqual(decoded.get(host), expected);
    }
  });
});
