import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitDecision, splitLimit, TURN_EPOCHS } from '../../src/controller/split.js';
import type { HostDecision } from '../../src/controller/types.js';
import { rng } from './sim.js';

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('splitting a host budget across ranks', () => {
  it('never hands out more than L, nor more than a rank asked for, and wastes nothing asked for (but at a turn)', () => {
    const random = rng(2024);
    for (let trial = 0; trial < 3000; trial++) {
      const ranks = 1 + Math.floor(random() * 12);
      const limit = Math.floor(random() * 60);
      const demands = Array.from({ length: ranks }, () => (random() < 0.2 ? 0 : Math.floor(random() * 30)));
      const epoch = Math.floor(random() * 1000);
      const shares = splitLimit(limit, demands, epoch);
      assert.equal(shares.length, ranks);
      assert.ok(sum(shares) <= limit, `sum ${sum(shares)} > L ${limit} for ${demands}`);
      // At a turn of the tie rotation one request waits an epoch for the rank that gave it up.
      const turn = epoch % TURN_EPOCHS === 0 ? 1 : 0;
      assert.ok(sum(shares) >= Math.min(limit, sum(demands)) - turn, `${shares} for ${demands}, L ${limit}`);
      shares.forEach((s, i) => {
        assert.ok(Number.isInteger(s) && s >= 0 && s <= demands[i]!);
      });
    }
  });

  it('is max-min fair: a rank short of its demand is never more than one below any other rank', () => {
    const random = rng(99);
    for (let trial = 0; trial < 3000; trial++) {
      const demands = Array.from({ length: 2 + Math.floor(random() * 8) }, () => Math.floor(random() * 25));
      const shares = splitLimit(Math.floor(random() * 80), demands, trial);
      shares.forEach((s, i) => {
        if (s < demands[i]!) for (const other of shares) assert.ok(other <= s + 1, `${shares} for ${demands}`);
      });
    }
  });

  it('serves small demands in full and splits the rest evenly', () => {
    assert.deepEqual(splitLimit(10, [1, 8, 8], 0), [1, 5, 4]);
    assert.deepEqual(splitLimit(10, [2, 2, 2], 0), [2, 2, 2]);
    assert.deepEqual(splitLimit(0, [5, 5], 3), [0, 0]);
    assert.deepEqual(splitLimit(7, [], 0), []);
  });

  it('rotates the odd request among tied ranks every TURN_EPOCHS epochs', () => {
    const extras = [0, 0, 0];
    for (let epoch = 1; epoch <= 30 * TURN_EPOCHS; epoch++) {
      splitLimit(4, [10, 10, 10], epoch).forEach((s, i) => {
        if (s === 2) extras[i]! += 1;
      });
    }
    // Each rank holds it for 10 turns, less the turn epochs at which it waits for the last holder.
    assert.deepEqual(extras, [10 * (TURN_EPOCHS - 1), 10 * (TURN_EPOCHS - 1), 10 * (TURN_EPOCHS - 1)]);
    assert.notDeepEqual(splitLimit(4, [10, 10, 10], 1), splitLimit(4, [10, 10, 10], TURN_EPOCHS + 1));
  });

  it('never raises one share while another falls for the same L and demands: in flight stays within L', () => {
    const random = rng(7);
    for (let trial = 0; trial < 500; trial++) {
      const demands = Array.from({ length: 2 + Math.floor(random() * 10) }, () => 1 + Math.floor(random() * 20));
      const limit = Math.floor(random() * 60);
      let before = splitLimit(limit, demands, 0);
      for (let epoch = 1; epoch < 4 * TURN_EPOCHS; epoch++) {
        const now = splitLimit(limit, demands, epoch);
        // A rank's requests outlive a cut until they complete: the worst moment holds the larger of both.
        const worst = sum(now.map((s, i) => Math.max(s, before[i]!)));
        assert.ok(worst <= limit, `epoch ${epoch}: ${before} -> ${now}, L ${limit}`);
        before = now;
      }
    }
  });

  it('gives every rank the same answer and divides the pacing rate in proportion', () => {
    const decision: HostDecision = { limit: 9, pacingRate: 30, blockedUntil: 123, generation: 4 };
    const shares = splitDecision(decision, [6, 0, 3], 5);
    assert.deepEqual(shares, splitDecision(decision, [6, 0, 3], 5));
    assert.deepEqual(
      shares.map((s) => s.limit),
      [6, 0, 3],
    );
    assert.deepEqual(
      shares.map((s) => s.pacingRate),
      [20, 0, 10],
    );
    for (const s of shares) assert.deepEqual([s.blockedUntil, s.generation], [123, 4]);
    const unpaced = splitDecision({ ...decision, pacingRate: 0 }, [6, 0, 3], 5);
    assert.ok(unpaced.every((s) => s.pacingRate === 0));
  });
});
