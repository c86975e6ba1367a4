/** The cardinality cap's choice of hosts: the busiest recently, without flapping, in bounded memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SWAP_MARGIN, TopHosts, TRAFFIC_HALF_LIFE_MS } from '../../src/metrics/index.js';

const traffic = (entries: Record<string, number>) => new Map(Object.entries(entries));

test('the busiest hosts take the places; the rest stay out', () => {
  const top = new TopHosts(3);
  const loads = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`h${i}`, i + 1]));
  assert.deepEqual(top.update(0, traffic(loads)), []);
  for (let i = 0; i < 10; i++) assert.equal(top.has(`h${i}`), i >= 7, `h${i}`);
});

test('a newcomer must beat the weakest member by the margin; then it takes its place', () => {
  const top = new TopHosts(2);
  top.update(0, traffic({ a: 100, b: 100 }));
  // Just above the weakest, within the margin: nobody moves.
  assert.deepEqual(top.update(0, traffic({ c: 100 * SWAP_MARGIN })), []);
  assert.ok(top.has('a') && top.has('b') && !top.has('c'));
  // Well above: c replaces one of the two, which is reported so its series can be removed.
  const demoted = top.update(0, traffic({ c: 100 }));
  assert.equal(demoted.length, 1);
  assert.ok(top.has('c') && !top.has(demoted[0]!));
  assert.equal(['a', 'b', 'c'].filter((h) => top.has(h)).length, 2);
});

test('old traffic fades: hosts busy now displace hosts that were busy long ago', () => {
  const top = new TopHosts(1);
  top.update(0, traffic({ early: 10_000 }));
  // Ten half-lives later, a modest host outweighs the early giant's remainder (≈ 10).
  const demoted = top.update(10 * TRAFFIC_HALF_LIFE_MS, traffic({ late: 50 }));
  assert.deepEqual(demoted, ['early']);
  assert.ok(top.has('late'));
});

test('hosts whose traffic has faded away are forgotten (memory stays bounded)', () => {
  const top = new TopHosts(1);
  top.update(0, traffic({ keep: 1_000_000 }));
  for (let i = 0; i < 1000; i++) top.update(0, traffic({ [`tail${i}`]: 1 }));
  // Forty half-lives on, every tail host has decayed to nothing. (The table is private: peek at it.)
  top.update(40 * TRAFFIC_HALF_LIFE_MS, traffic({}));
  const scores = (top as unknown as { scores: Map<string, number> }).scores;
  assert.deepEqual([...scores.keys()], ['keep']);
});
