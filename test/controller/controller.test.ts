import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '../../src/controller/controller.js';
import { controllerOptions, DEFAULT_CONTROLLER_OPTIONS } from '../../src/controller/options.js';
import type { HostDecision, HostEpochStats } from '../../src/controller/types.js';
import { busyEpoch } from './helpers.js';

const T0 = 9_000_000;

describe('Controller', () => {
  it('seeds a host from its profiled rate, or starts it at initial_limit', () => {
    const c = new Controller();
    c.seed('a', 3);
    c.seed('b', 2.2);
    c.seed('c', 1e9);
    assert.equal(c.decision('a', T0).limit, 3);
    assert.equal(c.decision('b', T0).limit, 3);
    assert.equal(c.decision('c', T0).limit, DEFAULT_CONTROLLER_OPTIONS.max_limit);
    assert.equal(c.decision('unprofiled', T0).limit, DEFAULT_CONTROLLER_OPTIONS.initial_limit);
    assert.deepEqual(c.decision('a', T0), { limit: 3, pacingRate: 0, blockedUntil: 0, generation: 0 });
  });

  it('decides for every known host each epoch, treating absent hosts as idle', () => {
    const c = new Controller();
    c.seed('busy', 10);
    c.seed('quiet', 10);
    let now = T0;
    for (let i = 0; i < 5; i++) {
      now += 1000;
      const decisions = c.step(now, new Map([['busy', busyEpoch(100, 100, 10)], ['quiet', busyEpoch(100, 100, 10)]]));
      assert.deepEqual([...decisions.keys()].sort(), ['busy', 'quiet']);
    }
    const grown = c.decision('quiet', now).limit;
    assert.ok(grown > 10);
    for (let i = 0; i < 20; i++) {
      now += 1000;
      const decisions = c.step(now, new Map([['busy', busyEpoch(100, 100, 10)]]));
      assert.ok(decisions.has('quiet'), 'an absent host still gets a decision');
    }
    assert.ok(c.decision('quiet', now).limit < grown, 'the absent host decayed');
    assert.equal(c.epoch, 25);
  });

  it('does not let a late seed reset a running host; forget then seed starts it afresh', () => {
    const c = new Controller();
    c.seed('h', 4);
    c.step(T0, new Map([['h', busyEpoch(10, 100, 4, { outcomes: { tooMany: 5 } })]]));
    assert.equal(c.decision('h', T0).generation, 1);
    c.seed('h', 8);
    assert.equal(c.decision('h', T0).generation, 1, 'a rank seeding late keeps agreeing with the others');
    c.forget('h');
    assert.equal(c.step(T0 + 1000, new Map()).size, 0);
    c.seed('h', 8);
    assert.deepEqual(c.decision('h', T0), { limit: 8, pacingRate: 0, blockedUntil: 0, generation: 0 });
  });

  it('computes the same decisions on every rank, whatever order hosts arrive in', () => {
    const hosts = ['x.org', 'y.org', 'z.org'];
    const epochs: Array<Map<string, HostEpochStats>> = [];
    for (let e = 0; e < 30; e++) {
      epochs.push(
        new Map(
          hosts.map((h, i) => [
            h,
            busyEpoch(50 + 10 * i + e, 80 + 40 * i, 5 + i + (e % 7), {
              outcomes: e % 11 === i ? { tooMany: 20 } : {},
              retryAfterUntil: e === 13 + i ? T0 + e * 1000 + 4000 : 0,
            }),
          ]),
        ),
      );
    }
    type Epoch = Map<string, HostEpochStats>;
    const run = (order: (m: Epoch) => Epoch): Array<Record<string, HostDecision>> => {
      const c = new Controller(controllerOptions({ min_samples: 10 }));
      for (const h of hosts) c.seed(h, 3);
      return epochs.map((m, e) => {
        const decisions = [...c.step(T0 + (e + 1) * 1000, order(m))];
        return Object.fromEntries(decisions.sort(([a], [b]) => a.localeCompare(b)));
      });
    };
    const forward = run((m) => m);
    const reversed = run((m) => new Map([...m].reverse()));
    assert.deepEqual(forward, reversed);
    const blocked = forward.some((d) => Object.values(d).some((x) => x.blockedUntil > 0));
    assert.ok(blocked, 'the inputs exercised Retry-After');
  });

  it('builds options from defaults and partial overrides, section by section', () => {
    const o = controllerOptions({ algorithm: 'paarc', paarc: { beta: 0.5 }, fixed: { rate_multiplier: 0.2 } });
    assert.equal(o.algorithm, 'paarc');
    assert.equal(o.paarc.beta, 0.5);
    assert.equal(o.paarc.c_init, 8);
    assert.equal(o.fixed.rate_multiplier, 0.2);
    assert.equal(o.fixed.default_rate_limit, 3);
    assert.deepEqual(controllerOptions(), DEFAULT_CONTROLLER_OPTIONS);
  });

  it('exposes only numbers, strings and nested plain objects as options', () => {
    const check = (value: unknown, path: string): void => {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), path);
      else if (typeof value === 'object' && value !== null) {
        assert.equal(Object.getPrototypeOf(value), Object.prototype, path);
        for (const [k, v] of Object.entries(value)) {
          assert.match(k, /^[a-z0-9_]+$/, `${path}.${k} is not snake_case`);
          check(v, `${path}.${k}`);
        }
      } else assert.equal(typeof value, 'string', path);
    };
    check(DEFAULT_CONTROLLER_OPTIONS, 'controller');
  });
});
