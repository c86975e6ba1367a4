/** The farm's pure parts: queueing rules, in-flight accounting, URL paths, apportioning. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostGate, type GateEntry } from '../../bench/farm/gate.js';
import { hostSpec, meanServiceMs, oracleRps } from '../../bench/farm/host-spec.js';
import { LoadMeter } from '../../bench/farm/load-meter.js';
import { hostAddress, MAX_HOSTS } from '../../bench/farm/plan.js';
import { apportion } from '../../bench/farm/url-mix.js';
import { nextHop, parseRoute, urlPath, type UrlSpec } from '../../bench/farm/url-spec.js';

const entry = (): GateEntry => ({ gateState: 'new' });

test('gate: serves c, queues FIFO up to the limit, then overloads; cancelled entries are skipped', () => {
  const gate = new HostGate<GateEntry>(2, 2, undefined, 0);
  const [a, b, c, d, e] = [entry(), entry(), entry(), entry(), entry()];
  assert.deepEqual([a, b, c, d, e].map((x) => gate.admit(x, 0)), ['serve', 'serve', 'queued', 'queued', 'overload']);
  assert.equal(gate.leave(c), undefined); // gave up while queued
  assert.equal(gate.waiting, 1);
  assert.equal(gate.leave(a), d);
  assert.equal(gate.leave(b), undefined);
  assert.equal(gate.inService, 1);
});

test('gate: token bucket refills at its rate', () => {
  const gate = new HostGate<GateEntry>(100, 0, { ratePerSec: 4, burst: 2, answer: { status: 429 } }, 0);
  const verdicts = (now: number, n: number) => Array.from({ length: n }, () => gate.admit(entry(), now));
  assert.deepEqual(verdicts(0, 3), ['serve', 'serve', 'rate-limited']);
  assert.deepEqual(verdicts(250, 2), ['serve', 'rate-limited']);
  assert.deepEqual(verdicts(2000, 3), ['serve', 'serve', 'rate-limited']);
});

test('load meter: peak, time average, and a series that halves its resolution when full', () => {
  const m = new LoadMeter(0, 100, 4);
  m.up(0);
  m.up(0);
  for (let t = 100; t <= 500; t += 100) m.tick(t); // the fifth sample fills the series: pairs merge
  m.down(500);
  m.tick(600); // 2 for 100 ms, then 1 for 100 ms
  assert.equal(m.peak, 2);
  assert.equal(m.average(1000), 1.5);
  const s = m.seriesSnapshot();
  assert.equal(s.intervalMs, 200);
  assert.deepEqual(s.values, [2, 2, 1.5]);
  m.reset(1000);
  assert.equal(m.peak, 1);
  assert.deepEqual(m.seriesSnapshot().values, []);
});

test('load meter: time average of the requests beyond the capacity, none for the totals', () => {
  const m = new LoadMeter(0, 100, 4, 2);
  for (let i = 0; i < 4; i++) m.up(0); // 4 in flight: 2 beyond the capacity
  m.down(100); // 3: 1 beyond
  m.down(300);
  m.down(300); // 1: none
  assert.equal(m.queuedAverage(400), (2 * 100 + 1 * 200) / 400);
  assert.equal(m.average(400), (4 * 100 + 3 * 200 + 1 * 100) / 400);
  m.reset(400);
  assert.equal(m.queuedAverage(500), 0);
  const totals = new LoadMeter(0, 100, 4);
  for (let i = 0; i < 4; i++) totals.up(0);
  assert.equal(totals.queuedAverage(100), 0);
});

test('url paths round-trip, redirects count down to the image, loops alternate', () => {
  const specs: UrlSpec[] = [
    { kind: 'img', variant: 'gif' },
    { kind: 'truncated', variant: 'large' },
    { kind: 'redirect', hops: 2, variant: 'png' },
    { kind: 'loop', step: 1 },
    { kind: 'status', code: 410 },
    { kind: 'huge' },
  ];
  for (const spec of specs) assert.deepEqual(parseRoute(urlPath(spec, '42')), { spec, id: '42' });
  const redirect = { kind: 'redirect', hops: 2, variant: 'png' } as const;
  assert.equal(nextHop(redirect, '9'), '/redirect/9.png?hops=1&size=png');
  assert.equal(nextHop({ ...redirect, hops: 1 }, '9'), '/img/9.png?size=png');
  assert.equal(nextHop({ kind: 'loop', step: 0 }, '9'), '/loop/9.jpg?step=1');
  assert.equal(nextHop({ kind: 'loop', step: 1 }, '9'), '/loop/9.jpg');
  for (const bad of ['/', '/img', '/img/', '/img/1.jpg?size=huge', '/status/1.jpg?code=abc', '/nope/1.jpg']) {
    assert.equal(parseRoute(bad), undefined, bad);
  }
});

test('oracle: capacity over mean hold time, capped by the token rate; refusing hosts allow nothing', () => {
  const service = { medianMs: 100, sigma: 0.5 };
  assert.ok(Math.abs(meanServiceMs(service) - 100 * Math.exp(0.125)) < 1e-9);
  assert.equal(oracleRps(hostSpec({ capacity: 4, service: { medianMs: 100, sigma: 0 } }), 0), 40);
  assert.equal(oracleRps(hostSpec({ capacity: 4, service: { medianMs: 100, sigma: 0 }, bodyBytesPerSec: 10_000 }), 1_000), 20);
  assert.equal(oracleRps(hostSpec({ capacity: 4, rateLimit: { ratePerSec: 3, burst: 1, answer: { status: 429 } } }), 0), 3);
  assert.equal(oracleRps(hostSpec({ refuse: true }), 0), 0);
});

test('addresses stay in 127.0.x.y with x, y >= 1', () => {
  assert.equal(hostAddress(0), '127.0.1.1');
  assert.equal(hostAddress(253), '127.0.1.254');
  assert.equal(hostAddress(254), '127.0.2.1');
  assert.equal(hostAddress(MAX_HOSTS - 1), '127.0.255.254');
  assert.throws(() => hostAddress(MAX_HOSTS));
});

test('apportion: exact total, at least one each, proportional', () => {
  assert.deepEqual(apportion(10, [1, 1, 2]), [3, 3, 4]);
  assert.deepEqual(apportion(3, [100, 0, 0]), [1, 1, 1]);
  assert.equal(apportion(1001, [3, 1, 7, 0.5]).reduce((a, b) => a + b, 0), 1001);
});
