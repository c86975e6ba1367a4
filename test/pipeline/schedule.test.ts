import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assign, ranksAllowed, type Partition } from '../../src/pipeline/schedule.js';

const RULES = { '5000': 40, '1000': 20, '500': 10, '200': 8, '100': 4, '50': 2, '1': 1 };

function partitions(server: string, n: number, rows = 100): Partition[] {
  return Array.from({ length: n }, (_v, i) => ({ server_name: server, partition_id: i, rows }));
}

test('schedule_rules: the rule with the largest key not above the remaining batches applies', () => {
  assert.equal(ranksAllowed(RULES, 1), 1);
  assert.equal(ranksAllowed(RULES, 49), 1);
  assert.equal(ranksAllowed(RULES, 50), 2);
  assert.equal(ranksAllowed(RULES, 999), 10);
  assert.equal(ranksAllowed(RULES, 6000), 40);
  assert.equal(ranksAllowed({}, 10), 1, 'no rule: one rank per server');
});

test('a server never gets more ranks than its rule allows, and every batch is assigned once', () => {
  const input = [...partitions('hot.example', 120), ...partitions('warm.example', 60), ...partitions('cold.example', 3)];
  const out = assign(input, 16, RULES);
  assert.equal(out.length, input.length);
  assert.equal(new Set(out.map((a) => `${a.server_name}/${a.partition_id}`)).size, input.length);
  const ranksOf = (s: string) => new Set(out.filter((a) => a.server_name === s).map((a) => a.rank)).size;
  assert.equal(ranksOf('hot.example'), 4);
  assert.equal(ranksOf('warm.example'), 2);
  assert.equal(ranksOf('cold.example'), 1);
});

test('packed _small batches are spread over ranks around a server the rules keep on one rank', () => {
  const input = [...partitions('_small', 40, 90), ...partitions('big.example', 8, 1000)];
  const out = assign(input, 4, RULES);
  const bigRanks = new Set(out.filter((a) => a.server_name === 'big.example').map((a) => a.rank));
  assert.equal(bigRanks.size, 1, '8 batches: the rules allow one rank');
  const others = [0, 1, 2, 3].filter((r) => !bigRanks.has(r));
  const load = others.map((r) => out.filter((a) => a.rank === r).reduce((n, a) => n + a.rows, 0));
  assert.equal(load.reduce((a, b) => a + b, 0), 40 * 90, 'all packed batches go to the other ranks');
  assert.ok(Math.max(...load) - Math.min(...load) <= 90, `balanced within one batch: ${load.join(', ')}`);
});

test('scheduling is deterministic and never uses a rank outside 0..R-1', () => {
  const input = [...partitions('a.example', 30), ...partitions('b.example', 7), ...partitions('_small', 11, 37)];
  const a = assign(input, 5, RULES);
  const b = assign([...input].reverse(), 5, RULES);
  assert.deepEqual(a, b);
  assert.ok(a.every((x) => x.rank >= 0 && x.rank < 5));
  assert.deepEqual(assign(input, 1, RULES).map((x) => x.rank), new Array(input.length).fill(0));
});
