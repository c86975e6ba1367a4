import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '../../src/controller/controller.js';
import { controllerOptions, DEFAULT_CONTROLLER_OPTIONS } from '../../src/controller/options.js';
import type { HostDecision, HostEpochStats } from '../../src/controller/types.js';
import { busyEpoch, epochStats } from './helpers.js';
import { simulate, type SimHost } from './sim.js';

const T0 = 1_000_000;
const HOST = 'img.example.org';

function seeded(rate = 3): Controller {
  const c = new Controller();
  c.seed(HOST, rate);
  return c;
}

/** Answers per second a simulated host can give: capacity over its mean service time. */
function capacityRate(h: SimHost): number {
  const spread = h.spread ?? 0.3;
  return (h.capacity * 1000) / (h.serviceMs * Math.exp((spread * spread) / 2));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Steps `c` with one epoch of statistics for the test host and returns its decision. */
function decideOnce(c: Controller, stats: HostEpochStats, nowMs = T0): HostDecision {
  return c.step(nowMs, new Map([[HOST, stats]])).get(HOST)!;
}

describe('adaptive controller against a simulated host', () => {
  const host: SimHost = { capacity: 60, serviceMs: 50, spread: 0.25 };

  for (const seed of [1, 2, 3]) {
    it(`reaches 90 % of capacity quickly and then keeps in flight within 1.1 × capacity (seed ${seed})`, () => {
      const run = simulate(seeded(), HOST, host, { epochs: 90, seed });
      const full = capacityRate(host);
      const reached = run.epochs.findIndex((e) => e.goodput >= 0.9 * full);
      assert.ok(reached >= 0 && reached <= 20, `90 % of capacity first reached at epoch ${reached}`);
      const converged = run.epochs.slice(30);
      const inflight = converged.map((e) => e.stats.inflightAvg);
      assert.ok(mean(converged.map((e) => e.goodput)) >= 0.9 * full);
      assert.ok(mean(inflight) <= 1.1 * host.capacity, `mean in flight ${mean(inflight)}`);
      assert.ok(Math.max(...inflight) <= 1.25 * host.capacity, `peak in flight ${Math.max(...inflight)}`);
      assert.ok(run.epochs.every((e) => e.decision.generation === 0), 'no hard cut without errors');
    });
  }

  it('does not hold a big host at a low limit because its first readings happened to be fast', () => {
    // With the farm's service spread, a reading of a few dozen samples is often 10-15 % off; a
    // baseline drawn that low makes every later median "above" the 5 % tolerance, never clearly.
    const held: string[] = [];
    for (const [capacity, serviceMs] of [[16, 40], [32, 40], [16, 190], [32, 190]] as const) {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const slow: SimHost = { capacity, serviceMs, spread: 0.5 };
        const run = simulate(seeded(), HOST, slow, { epochs: 40, seed });
        const share = mean(run.epochs.slice(20).map((e) => e.goodput)) / capacityRate(slow);
        if (share < 0.5) held.push(`capacity ${capacity}, ${serviceMs} ms, seed ${seed}: ${share.toFixed(2)} of its rate`);
      }
    }
    assert.deepEqual(held, []);
  });

  it('converges the same with the budget split across four ranks, which together stay within L', () => {
    const run = simulate(seeded(), HOST, host, { epochs: 90, ranks: 4 });
    const full = capacityRate(host);
    const reached = run.epochs.findIndex((e) => e.goodput >= 0.9 * full);
    assert.ok(reached >= 0 && reached <= 20, `90 % of capacity first reached at epoch ${reached}`);
    const converged = run.epochs.slice(30);
    assert.ok(mean(converged.map((e) => e.stats.inflightAvg)) <= 1.1 * host.capacity);
    run.epochs.forEach((e, i) => {
      // A share that moves between ranks at an epoch boundary is briefly held by both (at most the
      // one request a tie rotation moves); a cut takes effect as requests under the old limit finish.
      const limit = Math.max(e.applied.limit, run.epochs[i - 1]?.applied.limit ?? 0);
      assert.ok(e.peakInFlight <= limit + 1, `epoch ${i}: ${e.peakInFlight} in flight, L = ${e.applied.limit}`);
    });
  });

  it('cuts multiplicatively and paces on 429, and keeps 429s rare afterwards', () => {
    const strict: SimHost = { capacity: 20, serviceMs: 100, queueLimit: 0 };
    const run = simulate(seeded(), HOST, strict, { epochs: 120 });
    const first = run.epochs.findIndex((e) => e.stats.outcomes.tooMany > 0.02 * e.stats.started);
    assert.ok(first >= 0, 'the host was pushed past its queue limit at least once');
    const { stats, applied, decision } = run.epochs[first]!;
    assert.equal(decision.generation, applied.generation + 1);
    const cutTo = Math.ceil(DEFAULT_CONTROLLER_OPTIONS.overload_cut * stats.inflightPeak);
    assert.ok(decision.limit <= cutTo, `cut to ${decision.limit} from ${stats.inflightPeak}`);
    assert.ok(decision.pacingRate > 0, 'a 429 starts the pacer');
    const started = run.epochs.reduce((a, e) => a + e.stats.started, 0);
    const tooMany = run.epochs.reduce((a, e) => a + e.stats.outcomes.tooMany, 0);
    assert.ok(tooMany < 0.01 * started, `${tooMany} 429s in ${started} requests`);
    const late = run.epochs.slice(30).map((e) => e.goodput);
    assert.ok(mean(late) >= 0.75 * capacityRate(strict), `goodput ${mean(late)}`);
  });

  it('honours Retry-After: no request before blockedUntil', () => {
    const strict: SimHost = { capacity: 20, serviceMs: 100, queueLimit: 0, retryAfterMs: 5000 };
    const run = simulate(seeded(), HOST, strict, { epochs: 60, startMs: T0 });
    const blocks = run.epochs.filter((e) => e.stats.retryAfterUntil > e.endMs);
    assert.ok(blocks.length > 0, 'the host sent Retry-After');
    for (const e of blocks) {
      const { blockedUntil } = e.decision;
      assert.ok(blockedUntil >= e.stats.retryAfterUntil, 'blocked at least as long as asked');
      assert.ok(blockedUntil <= e.stats.retryAfterUntil + DEFAULT_CONTROLLER_OPTIONS.retry_after_jitter_ms);
      const early = run.starts.filter((t) => t >= e.endMs && t < blockedUntil);
      assert.deepEqual(early, [], 'requests sent while blocked');
    }
  });

  it('caps a very long Retry-After', () => {
    const c = seeded();
    const hour = 3_600_000;
    const d = decideOnce(c, busyEpoch(10, 100, 3, { retryAfterUntil: T0 + hour }));
    const { retry_after_cap_ms: cap, retry_after_jitter_ms: jitter } = DEFAULT_CONTROLLER_OPTIONS;
    assert.ok(d.blockedUntil >= T0 + cap && d.blockedUntil <= T0 + cap + jitter, `${d.blockedUntil - T0}`);
  });

  it('never shrinks a budget for DNS or client-side failures', () => {
    const c = seeded(20);
    let previous = c.decision(HOST, T0);
    for (let e = 1; e <= 40; e++) {
      const stats = busyEpoch(40, 100, previous.limit, { outcomes: { dns: 500, client: 300 } });
      const d = decideOnce(c, stats, T0 + e * 1000);
      assert.ok(d.limit >= previous.limit, `epoch ${e}: ${previous.limit} -> ${d.limit}`);
      assert.equal(d.generation, 0);
      assert.equal(d.blockedUntil, 0);
      previous = d;
    }
    const onlyDns = decideOnce(c, epochStats({ outcomes: { dns: 50 }, backlog: 10 }), T0 + 50_000);
    assert.equal(onlyDns.limit, previous.limit);
    assert.equal(onlyDns.blockedUntil, 0, 'DNS failures do not open the circuit breaker');
  });

  it('still finds the capacity of a host whose URLs half fail to resolve', () => {
    const h: SimHost = { capacity: 40, serviceMs: 100, dnsShare: 0.5 };
    const run = simulate(seeded(), HOST, h, { epochs: 60 });
    assert.ok(run.epochs.every((e) => e.decision.generation === 0));
    assert.ok(mean(run.epochs.slice(30).map((e) => e.goodput)) >= 0.9 * capacityRate(h));
  });

  it('pauses a host that only fails to connect, backs off exponentially and resumes on success', () => {
    const upAt = T0 + 20_000;
    const h: SimHost = { capacity: 40, serviceMs: 100, down: (t) => t < upAt };
    const run = simulate(seeded(), HOST, h, { epochs: 45, startMs: T0 });
    const pauses: number[] = [];
    let last: HostDecision | undefined;
    for (const e of run.epochs) {
      const d = e.decision;
      if (d.blockedUntil > e.endMs && d.generation !== last?.generation) pauses.push(d.blockedUntil - e.endMs);
      if (e.endMs < upAt) assert.equal(d.limit, 1, 'a failing host gets one probe at a time');
      last = d;
    }
    const base = DEFAULT_CONTROLLER_OPTIONS.breaker_base_ms;
    assert.deepEqual(pauses.slice(0, 4), [base, 2 * base, 4 * base, 8 * base]);
    for (const e of run.epochs) {
      const blocked = run.starts.filter((t) => t >= e.endMs && t < e.decision.blockedUntil);
      assert.deepEqual(blocked, [], 'requests sent while the breaker was open');
    }
    const end = run.epochs.at(-1)!;
    assert.equal(end.decision.blockedUntil, 0);
    assert.ok(end.decision.limit > 10, `limit after recovery ${end.decision.limit}`);
    assert.ok(end.stats.outcomes.ok > 0);
  });

  it('keeps the budget of a host too slow to measure, until its TTFB can be judged', () => {
    const slow: SimHost = { capacity: 2, serviceMs: 5000 };
    const run = simulate(seeded(3), HOST, slow, { epochs: 60 });
    assert.ok(run.epochs.every((e) => e.decision.limit === 3), 'no growth on a handful of samples');
  });

  it('judges a cut only on requests sent after it (stale outcomes are ignored)', () => {
    const c = seeded(10);
    const d = decideOnce(c, busyEpoch(50, 100, 10, { staleOutcomes: 400 }));
    assert.equal(d.generation, 0);
    assert.ok(d.limit >= 10);
  });

  it('cuts less on server errors than on 429 and only above their share', () => {
    const few = seeded(10);
    const d1 = decideOnce(few, busyEpoch(95, 100, 10, { outcomes: { server5xx: 5 } }));
    assert.equal(d1.generation, 0, '5 % errors are tolerated');
    const many = seeded(10);
    const d2 = decideOnce(many, busyEpoch(80, 100, 10, { outcomes: { server5xx: 20 } }));
    assert.equal(d2.generation, 1);
    assert.equal(d2.limit, Math.floor(10 * DEFAULT_CONTROLLER_OPTIONS.error_cut));
    assert.equal(d2.pacingRate, 0, 'only 429 starts the pacer');
    const rateLimited = seeded(10);
    const d3 = decideOnce(rateLimited, busyEpoch(90, 100, 10, { outcomes: { tooMany: 10 } }));
    assert.equal(d3.limit, Math.floor(10 * DEFAULT_CONTROLLER_OPTIONS.overload_cut));
    assert.ok(d3.pacingRate > 0 && d3.pacingRate < 90);
  });

  it('starts the pacer below what the host served when it was last free, not in an epoch a Retry-After paused', () => {
    const c = seeded(10);
    decideOnce(c, busyEpoch(100, 100, 10), T0);
    // One 503 in 101 answers is no overload yet, but its Retry-After pauses the host into the next epoch.
    const paused = decideOnce(c, busyEpoch(100, 100, 10, { outcomes: { unavailable: 1 }, retryAfterUntil: T0 + 2500 }), T0 + 1000);
    assert.equal(paused.generation, 0);
    assert.ok(paused.blockedUntil > T0 + 1000);
    decideOnce(c, busyEpoch(10, 100, 1), T0 + 2000);
    const cut = decideOnce(c, busyEpoch(30, 100, 10, { outcomes: { tooMany: 5 } }), T0 + 3000);
    assert.equal(cut.generation, 1);
    const start = DEFAULT_CONTROLLER_OPTIONS.pacer_start_fraction;
    assert.ok(Math.abs(cut.pacingRate - start * 100) < 1e-9, `paced at ${cut.pacingRate}/s, the host served 100/s when free`);
  });

  it('holds for two epochs after a cut', () => {
    const c = seeded(10);
    let now = T0;
    const step = (stats: HostEpochStats): HostDecision => decideOnce(c, stats, (now += 1000));
    const cut = step(busyEpoch(80, 100, 10, { outcomes: { server5xx: 20 } }));
    assert.equal(step(busyEpoch(100, 100, cut.limit)).limit, cut.limit);
    assert.equal(step(busyEpoch(100, 100, cut.limit)).limit, cut.limit);
    assert.ok(step(busyEpoch(100, 100, cut.limit)).limit > cut.limit, 'grows again after the hold');
  });

  it('lets an idle host decay towards its initial budget', () => {
    const c = seeded(3);
    const h: SimHost = { capacity: 40, serviceMs: 100 };
    const busyUntil = T0 + 40_000;
    const run = simulate(c, HOST, h, { epochs: 140, startMs: T0, busy: (t) => t < busyUntil });
    const atStop = run.epochs.find((e) => e.endMs >= busyUntil)!.decision.limit;
    assert.ok(atStop > 20);
    const idle = run.epochs.filter((e) => e.endMs > busyUntil + 1000).map((e) => e.decision.limit);
    for (let i = 1; i < idle.length; i++) assert.ok(idle[i]! <= idle[i - 1]!, 'decays monotonically');
    assert.ok(idle.at(-1)! <= 5, `still at ${idle.at(-1)} after ${idle.length} idle epochs`);
    assert.ok(idle.at(-1)! >= 3, 'not below the initial budget');
  });

  it('gives identical decisions for identical inputs, and never reads the wall clock', () => {
    const h: SimHost = { capacity: 20, serviceMs: 80, queueLimit: 2, retryAfterMs: 2000, dnsShare: 0.1 };
    const realNow = Date.now;
    Date.now = () => {
      throw new Error('the controller must not read the wall clock');
    };
    try {
      const a = simulate(seeded(), HOST, h, { epochs: 60, seed: 5 });
      const b = simulate(seeded(), HOST, h, { epochs: 60, seed: 5 });
      assert.deepEqual(
        a.epochs.map((e) => e.decision),
        b.epochs.map((e) => e.decision),
      );
    } finally {
      Date.now = realNow;
    }
  });

  it('uses the options it is given', () => {
    const c = new Controller(controllerOptions({ max_limit: 12 }));
    c.seed(HOST, 3);
    const run = simulate(c, HOST, { capacity: 40, serviceMs: 100 }, { epochs: 40 });
    assert.ok(run.epochs.every((e) => e.decision.limit <= 12));
    assert.equal(run.epochs.at(-1)!.decision.limit, 12);
  });
});

describe('adaptive controller on small hosts', () => {
  // What the issue bounds the farm's peak in-flight by, after the first seconds.
  const bound = (capacity: number): number => 1.1 * capacity + 1;

  for (const capacity of [2, 4, 8, 16, 32]) {
    it(`holds a host of capacity ${capacity} at about C, within 1.1 · C + 1, at 90 % of its throughput`, () => {
      const host: SimHost = { capacity, serviceMs: 80, spread: 0.2 };
      for (const ranks of [1, 4]) {
        for (const seed of [1, 2]) {
          const run = simulate(seeded(), HOST, host, { epochs: 90, ranks, seed });
          const converged = run.epochs.slice(30);
          const label = `${ranks} rank(s), seed ${seed}`;
          const limits = converged.map((e) => e.applied.limit);
          assert.ok(Math.max(...limits) <= bound(capacity), `${label}: limits ${limits.join(' ')}`);
          const inflight = mean(converged.map((e) => e.stats.inflightAvg));
          assert.ok(inflight <= 1.1 * capacity, `${label}: mean in flight ${inflight.toFixed(2)}`);
          const goodput = mean(converged.map((e) => e.goodput));
          assert.ok(goodput >= 0.9 * capacityRate(host), `${label}: goodput ${goodput.toFixed(1)}`);
          // With several ranks a share moving between them is briefly held by both; one rank has no such overlap.
          if (ranks === 1) assert.ok(converged.every((e) => e.stats.inflightAvg <= bound(capacity)), `${label}: over the bound`);
        }
      }
    });
  }

  it('finds a capacity below the starting limit (its first readings are all queued)', () => {
    const host: SimHost = { capacity: 2, serviceMs: 80, spread: 0.2 };
    const run = simulate(seeded(6), HOST, host, { epochs: 60 });
    const converged = run.epochs.slice(20);
    assert.ok(converged.every((e) => e.applied.limit <= bound(2)), converged.map((e) => e.applied.limit).join(' '));
    assert.ok(mean(converged.map((e) => e.stats.inflightAvg)) <= 1.1 * 2);
    assert.ok(mean(converged.map((e) => e.goodput)) >= 0.9 * capacityRate(host));
  });

  it('does not grow while ranks that ran out of work leave their shares unused', () => {
    const capacity = 4;
    const host: SimHost = { capacity, serviceMs: 80, spread: 0.2 };
    // Shares of 1 each: the ranks run dry one after another, at about 10, 25, 45 and 70 s.
    const run = simulate(seeded(), HOST, host, { epochs: 80, work: [110, 290, 520, 800] });
    const limits = run.epochs.slice(8).map((e) => e.applied.limit);
    assert.ok(Math.max(...limits) <= bound(capacity), limits.join(' '));
  });

  it('ends startup on latency that rose with a step up, not on a rise at the limit it started at', () => {
    const c = seeded(4);
    // The first epoch is partial and skipped; then readings at the starting limit with no work
    // waiting, so no step is taken ...
    for (let e = 1; e <= 3; e++) decideOnce(c, busyEpoch(100, 100, 4, { demandLimited: 0 }), T0 + e * 1000);
    // ... and the same limit reads 15 % slower with work waiting: the client got busier, not the host.
    const d = decideOnce(c, busyEpoch(100, 115, 4), T0 + 4000);
    assert.ok(d.limit > 4, `limit ${d.limit}: startup went on`);
  });

  it('grows only when the host was actually run at its limit', () => {
    const grow = (inflight: number): number => {
      const c = seeded(10);
      let d = c.decision(HOST, T0);
      for (let e = 1; e <= 12; e++) d = decideOnce(c, busyEpoch(100, 100, inflight), T0 + e * 1000);
      return d.limit;
    };
    assert.ok(grow(10) > 10, 'busy at its limit: grows');
    assert.equal(grow(5), 10, 'half the limit unused: holds');
  });
});

describe('adaptive controller behind a saturated client', () => {
  // The client's own queueing, changing from epoch to epoch, for the first 30 s; then none.
  const saturatedFor30s = (start: number) => (t: number): number =>
    t - start < 30_000 ? 60 + 120 * ((Math.floor((t - start) / 1000) * 7) % 5) / 4 : 0;

  it('learns no false ceiling from latency the client added, and reaches capacity once the client frees up', () => {
    const host: SimHost = { capacity: 16, serviceMs: 80, spread: 0.2 };
    const run = (options?: Partial<typeof DEFAULT_CONTROLLER_OPTIONS>) => {
      const c = new Controller(options === undefined ? undefined : controllerOptions(options));
      c.seed(HOST, 3);
      return simulate(c, HOST, host, { epochs: 70, seed: 3, clientDelayMs: saturatedFor30s(T0) });
    };
    // 10 to 30 s after the client freed up.
    const after = (r: ReturnType<typeof run>) => r.epochs.slice(40);
    const freed = after(run());
    assert.ok(mean(freed.map((e) => e.goodput)) >= 0.9 * capacityRate(host), freed.map((e) => e.applied.limit).join(' '));
    assert.ok(freed.every((e) => e.peakAtHost <= 1.1 * host.capacity + 1), freed.map((e) => e.peakAtHost).join(' '));
    // Judged on latency alone (as if the client were never busy), the same run holds the host back.
    const fooled = after(run({ client_busy_fraction: 2 }));
    assert.ok(mean(fooled.map((e) => e.goodput)) < 0.9 * capacityRate(host), 'the test tells the two apart');
  });

  it('lets a slow host grow with its answers while the client is saturated, and not past what raised them', () => {
    const host: SimHost = { capacity: 24, serviceMs: 300, spread: 0.2 };
    const c = seeded();
    const run = simulate(c, HOST, host, { epochs: 29, seed: 5, clientDelayMs: saturatedFor30s(T0) });
    const limits = run.epochs.map((e) => e.applied.limit);
    assert.ok(Math.max(...limits) >= 12, `limits ${limits.join(' ')}: startup went on`);
    const peaks = run.epochs.map((e) => e.peakAtHost);
    assert.ok(Math.max(...peaks) <= 1.5 * host.capacity, `at the host: ${peaks.join(' ')}`);
    assert.ok(run.epochs.every((e) => e.decision.generation === 0), 'no hard cut');
  });

  it('tries a failed step again while the client stays saturated, up to twice the limit it failed from', () => {
    // At 40 ms, the client's 60–180 ms of queueing moves the host's answers per second at one limit
    // by more than a step up raises them: steps fail and pass by chance.
    const host: SimHost = { capacity: 24, serviceMs: 40, spread: 0.2, queueLimit: 24 };
    const run = simulate(seeded(), HOST, host, { epochs: 60, seed: 7, clientDelayMs: saturatedFor30s(T0) });
    const limits = run.epochs.map((e) => e.applied.limit).join(' ');
    // The last 15 s under the saturated client: stopping at the first failed step held this host
    // to about 100 answers/s there.
    const saturated = run.epochs.slice(15, 30);
    assert.ok(mean(saturated.map((e) => e.goodput)) >= 0.25 * capacityRate(host), `limits ${limits}`);
    const peaks = saturated.map((e) => e.peakAtHost);
    assert.ok(Math.max(...peaks) <= 1.5 * host.capacity, `at the host: ${peaks.join(' ')}`);
    // 10 to 30 s after the client freed up.
    const freed = run.epochs.slice(40);
    assert.ok(freed.every((e) => e.peakAtHost <= 1.1 * host.capacity + 1), `limits ${limits}`);
    assert.ok(mean(freed.map((e) => e.goodput)) >= 0.9 * capacityRate(host), `limits ${limits}`);
  });

  it('takes a host under a saturated client down to its share of the answers at once when far above it', () => {
    // The client answers 1,800/s and has 60,000 requests queued; the host answers 2/s at 3 in flight.
    const after = (backlog: number): number => {
      const c = seeded(3);
      const epoch = busyEpoch(2, 400, 3, { clientBusy: 1, backlog, clientBacklog: 60_000, clientServed: 1_800 });
      decideOnce(c, epoch, T0 + 1000);
      return decideOnce(c, epoch, T0 + 2000).limit;
    };
    // 20 URLs left need 0.6 answers/s: 1 in flight, long before a latency reading (20 answers).
    assert.equal(after(20), 1);
    // 10,000 need 300/s: the host is not held back.
    assert.equal(after(10_000), 3);
  });

  it('gives a host taken down to its share of a saturated client its limit back as that share grows', () => {
    const c = seeded(3);
    const fill = { clientBusy: 1, backlog: 20, clientServed: 2_000 };
    decideOnce(c, busyEpoch(6, 450, 3, { ...fill, clientBacklog: 50_000 }), T0 + 1000);
    // Its 20 URLs want 0.8/s of the client's 2,000 answers while 50,000 requests are queued: 1 in flight.
    assert.equal(decideOnce(c, busyEpoch(6, 450, 3, { ...fill, clientBacklog: 50_000 }), T0 + 2000).limit, 1);
    // Once the other hosts are down to 2,000, the same 20 want 20/s: back to 3, no higher.
    assert.equal(decideOnce(c, busyEpoch(2, 450, 1, { ...fill, clientBacklog: 2_000 }), T0 + 3000).limit, 3);
  });

  it('judges a slow host against its share of a saturated client on its answers pooled, not one epoch', () => {
    // 500 ms at 3 in flight: 6 answers/s; its 100 URLs want 4/s of the client's 2,000: a share of 2.
    const fill = { clientBusy: 1, backlog: 100, clientBacklog: 50_000, clientServed: 2_000 };
    const c = seeded(3);
    let d = c.decision(HOST, T0);
    for (let e = 1; e <= 8; e++) d = decideOnce(c, busyEpoch(6, 500, 3, fill), T0 + e * 1000);
    assert.equal(d.limit, 3);
    // One epoch of 13 answers alone reads a share of 0.9, under half the limit.
    d = decideOnce(c, busyEpoch(13, 500, 3, fill), T0 + 9000);
    assert.equal(d.limit, 3);
  });

  it('compares a host with twice its share of a saturated client before rounding the share up', () => {
    // A capacity-1 host of 20 ms answers 35/s at 3 in flight; its 399 URLs want 12/s of the client's
    // 1,800: a share of 1.03 requests. Rounded up to 2 first, 3 would not have been above twice it.
    const c = seeded(3);
    const epoch = busyEpoch(35, 68, 3, { clientBusy: 1, backlog: 399, clientBacklog: 60_000, clientServed: 1_800 });
    decideOnce(c, epoch, T0 + 1000);
    assert.equal(decideOnce(c, epoch, T0 + 2000).limit, 2);
  });

  it('grows a host under a saturated client only while it gets less than its share of the answers', () => {
    const host: SimHost = { capacity: 24, serviceMs: 40, spread: 0.2, queueLimit: 24 };
    // The client answers ~2,000/s for all hosts; this one holds 1 % or 25 % of the queued work (the
    // simulated rank reports a backlog of 1,000 for it).
    const withShare = (share: number) =>
      simulate(seeded(), HOST, host, {
        epochs: 30,
        seed: 7,
        clientDelayMs: saturatedFor30s(T0),
        otherHosts: { backlog: Math.round((1000 * (1 - share)) / share), answersPerSecond: 2000 },
      });
    const small = withShare(0.01).epochs.map((e) => e.applied.limit);
    // 1 % of 2,000/s is 20/s: 3.2 in flight at 40 ms plus the client's 120 ms on average. The
    // client's queueing swings the estimate, not by more than twice. Without the share, this host
    // went to 30 (the test above).
    assert.ok(Math.max(...small) <= 2 * 20 * 0.16, `1 %: limits ${small.join(' ')}`);
    const large = withShare(0.25).epochs;
    const limits = large.map((e) => e.applied.limit).join(' ');
    assert.ok(mean(large.slice(15).map((e) => e.goodput)) >= 0.25 * capacityRate(host), `25 %: limits ${limits}`);
    const peaks = large.map((e) => e.peakAtHost);
    assert.ok(Math.max(...peaks) <= 1.5 * host.capacity, `25 %, at the host: ${peaks.join(' ')}`);
  });
});
