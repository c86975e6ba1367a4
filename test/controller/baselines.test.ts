import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '../../src/controller/controller.js';
import {
  ALGORITHMS,
  controllerOptions,
  DEFAULT_CONTROLLER_OPTIONS,
  type AlgorithmName,
} from '../../src/controller/options.js';
import type { HostDecision, HostEpochStats } from '../../src/controller/types.js';
import { busyEpoch, epochStats } from './helpers.js';
import { simulate } from './sim.js';

const HOST = 'photos.example.net';
const T0 = 5_000_000;

/** A controller running `algorithm` for one host, stepped one epoch (1 s) at a time. */
function driver(algorithm: AlgorithmName, rate?: number) {
  const c = new Controller(controllerOptions({ algorithm }));
  if (rate !== undefined) c.seed(HOST, rate);
  let now = T0;
  return {
    controller: c,
    get now() {
      return now;
    },
    step(stats: HostEpochStats): HostDecision {
      now += 1000;
      return c.step(now, new Map([[HOST, stats]])).get(HOST)!;
    },
    get phase() {
      return c.phase(HOST);
    },
  };
}

describe('aimd', () => {
  it('adds one per demand-limited epoch and halves on any hard signal', () => {
    const d = driver('aimd', 4);
    assert.equal(d.step(busyEpoch(40, 100, 4)).limit, 5);
    assert.equal(d.step(busyEpoch(50, 100, 5)).limit, 6);
    const cut = d.step(busyEpoch(50, 100, 6, { outcomes: { tooMany: 1 } }));
    assert.equal(cut.limit, 3);
    assert.equal(cut.generation, 1);
    assert.equal(d.step(busyEpoch(30, 100, 3, { outcomes: { ttfbTimeout: 1 } })).limit, 1);
    assert.equal(d.step(busyEpoch(10, 100, 1, { outcomes: { reset: 1 } })).limit, 1, 'never below min_limit');
  });

  it('does not grow without demand and ignores DNS and client failures', () => {
    const d = driver('aimd', 4);
    assert.equal(d.step(busyEpoch(10, 100, 1, { demandLimited: 0 })).limit, 4);
    const after = d.step(busyEpoch(40, 100, 4, { outcomes: { dns: 30, client: 30 } }));
    assert.equal(after.limit, 5);
    assert.equal(after.generation, 0);
  });
});

describe('paarc', () => {
  const p = DEFAULT_CONTROLLER_OPTIONS.paarc;

  it('starts every host at C_init, whatever its profiled rate', () => {
    assert.equal(driver('paarc', 50).controller.decision(HOST, T0).limit, p.c_init);
    assert.equal(driver('paarc').controller.decision(HOST, T0).limit, p.c_init);
  });

  it('grows geometrically in startup, then probes bandwidth additively once latency degrades', () => {
    const d = driver('paarc');
    assert.equal(d.phase, 'startup');
    assert.equal(d.step(busyEpoch(80, 100, 8)).limit, 16);
    assert.equal(d.step(busyEpoch(160, 100, 16)).limit, 32);
    const left = d.step(busyEpoch(200, 400, 32));
    assert.equal(d.phase, 'probe_bw');
    assert.equal(left.limit, Math.floor(p.mu * 32));
    // Degraded latency holds C; healthy latency adds max(1, 2 %) per epoch.
    assert.equal(d.step(busyEpoch(200, 400, 32)).limit, 32);
    let limit = 32;
    for (let i = 0; i < 8; i++) limit = d.step(busyEpoch(300, 100, limit)).limit;
    assert.ok(limit > 32 && limit <= 32 + 8 * 2, `probed to ${limit}`);
    assert.ok(d.step(busyEpoch(300, 100, limit)).pacingRate > 0, 'paced by the C / RTprop smoother');
  });

  it('backs off by beta on overload, waits out the cooldown, and never leaves [C_min, C_max]', () => {
    const d = driver('paarc');
    const b = d.step(busyEpoch(80, 100, 8, { outcomes: { unavailable: 1 } }));
    assert.equal(d.phase, 'backoff');
    assert.equal(b.limit, Math.floor(8 * p.beta));
    assert.equal(b.generation, 1);
    assert.equal(d.step(busyEpoch(50, 100, 5)).limit, b.limit, 'cooldown: no growth');
    d.step(busyEpoch(50, 100, 5));
    assert.equal(d.phase, 'probe_bw');
    for (let i = 0; i < 10; i++) d.step(busyEpoch(10, 100, 2, { outcomes: { ttfbTimeout: 3 } }));
    assert.equal(d.controller.decision(HOST, d.now).limit, p.c_min);
    const up = driver('paarc');
    for (let i = 0; i < 20; i++) up.step(busyEpoch(100, 100, 8));
    assert.ok(up.controller.decision(HOST, up.now).limit <= p.c_max);
  });

  it('refreshes RTprop with a probe-RTT phase every probe_rtt_period', () => {
    const d = driver('paarc');
    d.step(busyEpoch(200, 400, 8));
    d.step(busyEpoch(200, 400, 16));
    d.step(busyEpoch(300, 2000, 32)); // TTFB five times RTprop: degraded, startup ends
    assert.equal(d.phase, 'probe_bw');
    const phases: string[] = [];
    const limits: number[] = [];
    for (let i = 0; i < p.probe_rtt_period_s + p.probe_rtt_epochs + 2; i++) {
      limits.push(d.step(busyEpoch(300, 2000, 32)).limit);
      phases.push(d.phase);
    }
    const start = phases.indexOf('probe_rtt');
    assert.equal(start, p.probe_rtt_period_s - 1, `entered probe-RTT at ${start}`);
    assert.equal(limits[start], Math.floor(limits[start - 1]! * p.probe_rtt_fraction));
    assert.equal(phases[start + p.probe_rtt_epochs], 'probe_bw');
    assert.equal(limits[start + p.probe_rtt_epochs], limits[start - 1]);
  });

  it('keeps a simulated host busy without collapsing', () => {
    const c = new Controller(controllerOptions({ algorithm: 'paarc' }));
    const run = simulate(c, HOST, { capacity: 40, serviceMs: 100, spread: 0.1 }, { epochs: 60 });
    const late = run.epochs.slice(20).map((e) => e.goodput);
    assert.ok(Math.min(...late) >= 0.7 * 400, `goodput fell to ${Math.min(...late)}`);
  });
});

describe('fixed', () => {
  const f = DEFAULT_CONTROLLER_OPTIONS.fixed;

  it('paces at the profiled rate within its band and never leaves it', () => {
    const d = driver('fixed', 3);
    assert.deepEqual(d.controller.decision(HOST, T0), { limit: 5, pacingRate: 3, blockedUntil: 0, generation: 0 });
    const rates: number[] = [];
    for (let i = 0; i < 30; i++) rates.push(d.step(busyEpoch(3, 100, 1)).pacingRate);
    assert.ok(rates[0]! > 3, 'nudged up after a clean epoch');
    assert.equal(Math.max(...rates), 4.5);
    for (let i = 0; i < 30; i++) rates.push(d.step(busyEpoch(2, 100, 1, { outcomes: { tooMany: 1 } })).pacingRate);
    assert.equal(Math.min(...rates), 1.5);
    assert.ok(rates.every((r) => r >= 1.5 - 1e-9 && r <= 4.5 + 1e-9));
    assert.equal(d.step(busyEpoch(2, 100, 1, { outcomes: { server5xx: 5 } })).limit, 5);
  });

  it('uses default_rate_limit for an unprofiled host and keeps its band under real load', () => {
    const c = new Controller(controllerOptions({ algorithm: 'fixed' }));
    const run = simulate(c, HOST, { capacity: 2, serviceMs: 300, queueLimit: 0 }, { epochs: 60 });
    const r = f.default_rate_limit;
    const lo = Math.max(1, r * (1 - f.rate_multiplier));
    const hi = r * (1 + f.rate_multiplier);
    for (const e of run.epochs) {
      assert.ok(e.decision.pacingRate >= lo - 1e-9 && e.decision.pacingRate <= hi + 1e-9);
      assert.equal(e.decision.limit, Math.ceil(hi));
      assert.equal(e.decision.blockedUntil, 0);
    }
  });
});

describe('every policy', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: DNS and client-side failures never shrink the budget`, () => {
      const d = driver(algorithm, 10);
      let previous = d.controller.decision(HOST, T0);
      for (let i = 0; i < 20; i++) {
        const outcomes = { dns: 40, client: 20 };
        const next = d.step(epochStats({ outcomes, started: 60, backlog: 50, demandLimited: 0 }));
        assert.ok(next.limit >= previous.limit && next.pacingRate >= previous.pacingRate);
        assert.equal(next.blockedUntil, 0);
        assert.equal(next.generation, previous.generation);
        previous = next;
      }
    });
  }
});
