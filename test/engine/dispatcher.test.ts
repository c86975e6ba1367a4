import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostShare } from '../../src/controller/types.js';
import { OUTCOME_CLASSES } from '../../src/controller/types.js';
import { histogramCount } from '../../src/controller/histogram.js';
import { Dispatcher, type ItemResult, type ItemFailure } from '../../src/engine/dispatcher.js';
import { Fetcher } from '../../src/engine/fetcher.js';
import type { EngineOptions } from '../../src/engine/options.js';
import { ConcurrencyMeter, sleep, startServer, testEngineOptions, type Handler, type TestServer } from './helpers.js';

const share = (limit: number, extra: Partial<HostShare> = {}): HostShare => ({ limit, pacingRate: 0, blockedUntil: 0, generation: 0, ...extra });

/** Answers after `delayMs` with a small body. */
const slow =
  (delayMs: number): Handler =>
  (_req, res) => {
    const timer = setTimeout(() => res.end('body'), delayMs);
    res.on('close', () => clearTimeout(timer));
  };

interface Harness {
  dispatcher: Dispatcher<number>;
  results: ItemResult<number>[];
  /** Enqueues `count` items for `server` (paths /<prefix><i>), payload i. */
  add(server: TestServer, count: number, prefix?: string): void;
}

const servers: TestServer[] = [];
const fetchers: Fetcher[] = [];

async function server(handler: Handler, address: string, shared?: ConcurrencyMeter): Promise<TestServer> {
  const s = await startServer(handler, address, shared);
  servers.push(s);
  return s;
}

function harness(shares: (hostKey: string) => HostShare, engine: Partial<EngineOptions> = {}): Harness {
  const options = testEngineOptions(engine);
  const fetcher = new Fetcher(options);
  fetchers.push(fetcher);
  const results: ItemResult<number>[] = [];
  const dispatcher = new Dispatcher<number>({ engine: options, fetcher, initialShare: shares, onResult: (r) => void results.push(r), random: () => 1 - 1e-9 });
  return {
    dispatcher,
    results,
    add(s, count, prefix = 'item') {
      for (let i = 0; i < count; i++) dispatcher.enqueue({ id: `${s.hostKey}-${prefix}${i}`, url: `${s.base}/${prefix}${i}`, hostKey: s.hostKey, payload: i });
    },
  };
}

after(async () => {
  await Promise.all(fetchers.map((f) => f.close()));
  await Promise.all(servers.map((s) => s.close()));
});

describe('Dispatcher', () => {
  it('never has more requests in flight to a host than its share, and reaches it', async () => {
    const a = await server(slow(30), '127.0.0.11');
    const b = await server(slow(30), '127.0.0.12');
    const h = harness((key) => share(key === a.hostKey ? 3 : 5));
    h.add(a, 30);
    h.add(b, 30);
    await h.dispatcher.drain();
    assert.equal(h.results.length, 60);
    assert.ok(h.results.every((r) => r.ok));
    assert.equal(a.meter.peak, 3);
    assert.equal(b.meter.peak, 5);
  });

  it('respects the global in-flight cap', async () => {
    const shared = new ConcurrencyMeter();
    const hosts = await Promise.all(['127.0.0.21', '127.0.0.22', '127.0.0.23'].map((ip) => server(slow(20), ip, shared)));
    const h = harness(() => share(10), { max_inflight: 4 });
    for (const s of hosts) h.add(s, 15);
    await h.dispatcher.drain();
    assert.equal(h.results.length, 45);
    assert.equal(shared.peak, 4);
  });

  it('under the global cap, gives hosts turns in proportion to the work they have queued, so they finish together', async () => {
    const hosts = await Promise.all(['127.0.0.31', '127.0.0.32', '127.0.0.33'].map((ip) => server(slow(2), ip)));
    const h = harness(() => share(5), { max_inflight: 1 });
    h.add(hosts[0]!, 30);
    h.add(hosts[1]!, 10);
    h.add(hosts[2]!, 10);
    await h.dispatcher.drain();
    // One request at a time, so results come in the order requests were sent.
    const order = h.results.map((r) => r.item.hostKey);
    const firstHalf = order.slice(0, 25).filter((k) => k === hosts[0]!.hostKey).length;
    assert.ok(firstHalf >= 13 && firstHalf <= 17, `the host with 3/5 of the work got ${firstHalf} of the first 25 turns`);
    for (const s of hosts) assert.ok(order.lastIndexOf(s.hostKey) >= 41, `${s.hostKey} last served at ${order.lastIndexOf(s.hostKey)} of 50`);
    // Equal work: plain round-robin.
    const even = harness(() => share(5), { max_inflight: 1 });
    for (const s of hosts) even.add(s, 10, 'even');
    await even.dispatcher.drain();
    const evenOrder = even.results.map((r) => r.item.hostKey);
    for (let turn = 0; turn < 30; turn += 3) assert.equal(new Set(evenOrder.slice(turn, turn + 3)).size, 3, `turns ${turn}–${turn + 2}`);
  });

  it('while results wait to be handled, frees turns one by one in the same proportion (no bursts for every host)', async () => {
    const big = await server(slow(2), '127.0.0.34');
    const small = await server(slow(2), '127.0.0.35');
    const options = testEngineOptions({ max_inflight: 4 });
    const fetcher = new Fetcher(options);
    fetchers.push(fetcher);
    const handled: string[] = [];
    // Handling is the bottleneck: 5 ms per result, one at a time.
    let queue = Promise.resolve();
    const onResult = (r: ItemResult<number>): Promise<void> => {
      queue = queue.then(async () => {
        await sleep(5);
        handled.push(r.item.hostKey);
      });
      return queue;
    };
    const dispatcher = new Dispatcher<number>({ engine: options, fetcher, initialShare: () => share(4), onResult });
    for (let i = 0; i < 40; i++) dispatcher.enqueue({ id: `b${i}`, url: `${big.base}/b${i}`, hostKey: big.hostKey, payload: i });
    for (let i = 0; i < 10; i++) dispatcher.enqueue({ id: `s${i}`, url: `${small.base}/s${i}`, hostKey: small.hostKey, payload: i });
    await dispatcher.drain();
    const firstHalf = handled.slice(0, 25).filter((k) => k === big.hostKey).length;
    assert.ok(firstHalf >= 18 && firstHalf <= 22, `the host with 4/5 of the work got ${firstHalf} of the first 25`);
    assert.ok(handled.lastIndexOf(small.hostKey) >= 40, `the small host's last result was handled at ${handled.lastIndexOf(small.hostKey)} of 50`);
  });

  it('paces a host at its pacing rate', async () => {
    const s = await server(slow(0), '127.0.0.41');
    const h = harness(() => share(10, { pacingRate: 20 }));
    const started = Date.now();
    h.add(s, 16);
    await h.dispatcher.drain();
    const elapsed = Date.now() - started;
    // One token at the start, then 15 more at 20/s: 750 ms.
    assert.ok(elapsed >= 650 && elapsed < 1_500, `16 requests at 20/s took ${elapsed} ms`);
    const at = s.arrivals.map((a) => a.at);
    for (let i = 0; i + 4 < at.length; i++) assert.ok(at[i + 4]! - at[i]! >= 150, `5 requests within ${at[i + 4]! - at[i]!} ms`);
  });

  it('sends nothing before blockedUntil, and nothing while the share is 0', async () => {
    const zero = await server(slow(0), '127.0.0.51');
    const blocked = await server(slow(0), '127.0.0.52');
    const blockedUntil = Date.now() + 300;
    const h = harness((key) => (key === zero.hostKey ? share(0) : share(2, { blockedUntil })));
    h.add(zero, 3);
    h.add(blocked, 3);
    await sleep(150);
    assert.equal(zero.arrivals.length, 0, 'share 0 waits');
    h.dispatcher.applyShares(new Map([[zero.hostKey, share(1)]]));
    await h.dispatcher.drain();
    assert.equal(h.results.length, 6);
    assert.equal(zero.meter.peak, 1);
    assert.ok(blocked.arrivals.every((a) => a.wall >= blockedUntil));
  });

  it('keeps a retry in the host queue without holding a slot', async () => {
    let failedFirst = false;
    const s = await server((req, res) => {
      if (req.url === '/item0' && !failedFirst) {
        failedFirst = true;
        res.writeHead(503);
        res.end();
        return;
      }
      setTimeout(() => res.end('ok'), 20);
    }, '127.0.0.61');
    // Backoff fixed at its ceiling: 300 ms.
    const h = harness(() => share(1), { backoff_base_ms: 300, backoff_max_ms: 300 });
    h.add(s, 3);
    await h.dispatcher.drain();
    const paths = s.arrivals.map((a) => a.path);
    assert.deepEqual(paths, ['/item0', '/item1', '/item2', '/item0']);
    const [first, , third, retry] = s.arrivals;
    assert.ok(third!.at - first!.at < 200, 'other items went ahead while the retry waited');
    assert.ok(retry!.at - first!.at >= 290, `retry after ${retry!.at - first!.at} ms`);
    const item0 = h.results.find((r) => r.item.payload === 0)!;
    assert.ok(item0.ok);
    assert.equal(item0.retryCount, 1);
    assert.equal(item0.attempts, 2);
  });

  it('waits for Retry-After in seconds, then succeeds', async () => {
    let answered = 0;
    const s = await server((_req, res) => {
      if (answered++ === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
      } else res.end('ok');
    }, '127.0.0.71');
    const h = harness(() => share(2));
    h.add(s, 1);
    await h.dispatcher.drain();
    const [first, second] = s.arrivals;
    assert.ok(second!.at - first!.at >= 950, `retried after ${second!.at - first!.at} ms`);
    assert.ok(h.results[0]!.ok);
    assert.equal(h.results[0]!.retryCount, 1);
    const stats = h.dispatcher.takeEpochStats(Date.now()).get(s.hostKey)!;
    assert.equal(stats.outcomes.tooMany, 1);
    assert.equal(stats.outcomes.ok, 1);
    assert.ok(stats.retryAfterUntil > 0);
  });

  it('waits for Retry-After as an HTTP-date, blocking the whole host meanwhile', async () => {
    let answered = 0;
    let until = 0;
    const s = await server((req, res) => {
      if (answered++ === 0) {
        // At least one full second ahead, whatever the sub-second part of now.
        until = (Math.floor(Date.now() / 1000) + 2) * 1000;
        res.writeHead(429, { 'retry-after': new Date(until).toUTCString() });
        res.end();
      } else res.end(req.url);
    }, '127.0.0.72');
    const h = harness(() => share(1));
    h.add(s, 2);
    await h.dispatcher.drain();
    assert.equal(s.arrivals.length, 3);
    for (const arrival of s.arrivals.slice(1)) assert.ok(arrival.wall >= until, 'nothing sent to the host before the date');
    assert.ok(h.results.every((r) => r.ok));
  });

  it('gives up on a 503 storm after max_retries with the status as error code, halving its own share on the way', async () => {
    const s = await server((_req, res) => {
      setTimeout(() => {
        res.writeHead(503);
        res.end();
      }, 10);
    }, '127.0.0.81');
    const h = harness(() => share(4), { max_retries: 2, overload_burst: 4 });
    h.add(s, 8);
    await h.dispatcher.drain();
    assert.equal(h.results.length, 8);
    for (const r of h.results as ItemFailure<number>[]) {
      assert.equal(r.ok, false);
      assert.equal(r.error.code, 503);
      assert.equal(r.error.errorClass, 'unavailable');
      assert.equal(r.retryCount, 2);
      assert.equal(r.attempts, 3);
    }
    assert.equal(s.arrivals.length, 24);
    assert.ok(s.arrivals.slice(-4).every((a) => a.concurrency <= 2), `late concurrency ${s.arrivals.slice(-4).map((a) => a.concurrency)}`);
  });

  it('measures the epoch: outcomes add up to requests started, TTFB per response, in-flight and demand', async () => {
    const s = await server((req, res) => {
      const n = Number((req.url ?? '').replace('/item', ''));
      setTimeout(() => {
        res.writeHead(n % 4 === 0 ? 404 : 200);
        res.end('x');
      }, 20);
    }, '127.0.0.91');
    const h = harness(() => share(2));
    const epochStart = Date.now();
    h.dispatcher.takeEpochStats(epochStart);
    h.add(s, 20);
    await h.dispatcher.drain();
    const now = Date.now();
    const stats = h.dispatcher.takeEpochStats(now).get(s.hostKey)!;
    const finished = OUTCOME_CLASSES.reduce((sum, c) => sum + stats.outcomes[c], 0) + stats.staleOutcomes;
    assert.equal(stats.started, 20);
    assert.equal(finished, 20);
    assert.equal(stats.outcomes.ok, 15);
    assert.equal(stats.outcomes.final4xx, 5);
    assert.equal(histogramCount(stats.ttfbHist), 20);
    assert.equal(stats.inflightPeak, 2);
    assert.ok(stats.inflightAvg > 1 && stats.inflightAvg <= 2, `inflightAvg ${stats.inflightAvg}`);
    assert.ok(Math.abs(stats.epochSeconds - (now - epochStart) / 1000) < 1e-9);
    // With 2 slots and 20 queued items the host was at its share nearly the whole time.
    assert.ok(stats.demandLimitedSeconds > 0.5 * stats.epochSeconds, `demand-limited ${stats.demandLimitedSeconds} of ${stats.epochSeconds}`);
    assert.equal(stats.backlog, 0);
    // The idle host is forgotten after being reported once.
    assert.equal(h.dispatcher.takeEpochStats(Date.now()).size, 0);
  });

  it('counts outcomes of requests sent before a new generation as stale', async () => {
    const s = await server(slow(100), '127.0.0.92');
    const h = harness(() => share(2));
    h.add(s, 4);
    await sleep(30);
    h.dispatcher.applyShares(new Map([[s.hostKey, share(2, { generation: 1 })]]));
    await h.dispatcher.drain();
    const stats = h.dispatcher.takeEpochStats(Date.now()).get(s.hostKey)!;
    assert.equal(stats.staleOutcomes, 2);
    assert.equal(stats.outcomes.ok, 2);
  });

  it('reports how much of the epoch its own event loop was busy: all of it when the client is the bottleneck', async () => {
    const s = await server(slow(1000), '127.0.0.94');
    const h = harness(() => share(1));
    h.add(s, 2);
    h.dispatcher.takeEpochStats(Date.now());
    await sleep(200);
    const waiting = h.dispatcher.takeEpochStats(Date.now()).get(s.hostKey)!;
    assert.ok(waiting.clientBusySeconds < 0.5 * waiting.epochSeconds, `idle: busy ${waiting.clientBusySeconds} of ${waiting.epochSeconds} s`);
    for (const until = Date.now() + 200; Date.now() < until; );
    const saturated = h.dispatcher.takeEpochStats(Date.now()).get(s.hostKey)!;
    assert.ok(saturated.clientBusySeconds > 0.9 * saturated.epochSeconds, `busy ${saturated.clientBusySeconds} of ${saturated.epochSeconds} s`);
    await h.dispatcher.stop();
  });

  it('reports backlog and in-flight of unfinished work', async () => {
    const s = await server(slow(200), '127.0.0.93');
    const h = harness(() => share(1));
    h.add(s, 5);
    await sleep(50);
    const stats = h.dispatcher.takeEpochStats(Date.now()).get(s.hostKey)!;
    assert.equal(stats.backlog, 4);
    assert.equal(stats.started, 1);
    assert.equal(stats.inflightPeak, 1);
    await h.dispatcher.stop();
  });

  it('reports the whole client\'s queued work and answers with every host', async () => {
    const quick = await server(slow(0), '127.0.0.97');
    const held = await server(slow(5_000), '127.0.0.98');
    const h = harness(() => share(1));
    h.add(quick, 3, 'q');
    h.add(held, 5, 'h');
    const until = Date.now() + 2_000;
    while (h.results.length < 3 && Date.now() < until) await sleep(10);
    const stats = h.dispatcher.takeEpochStats(Date.now());
    const q = stats.get(quick.hostKey)!;
    const held1 = stats.get(held.hostKey)!;
    assert.deepEqual([q.backlog, q.outcomes.ok, held1.backlog, held1.outcomes.ok], [0, 3, 4, 0]);
    for (const s of [q, held1]) assert.deepEqual([s.clientBacklog, s.clientServed], [4, 3]);
    await h.dispatcher.stop();
  });

  it('stop() cancels queued and running work (-19)', async () => {
    const s = await server(slow(5_000), '127.0.0.94');
    const h = harness(() => share(2));
    h.add(s, 6);
    await sleep(50);
    const started = Date.now();
    await h.dispatcher.stop();
    assert.ok(Date.now() - started < 1_000);
    assert.equal(h.results.length, 6);
    for (const r of h.results) {
      assert.equal(r.ok, false);
      assert.equal((r as ItemFailure<number>).error.code, -19);
    }
    assert.equal(h.results.filter((r) => r.attempts === 1).length, 2, 'the two running requests were aborted');
    assert.throws(() => h.dispatcher.enqueue({ id: 'x', url: `${s.base}/x`, hostKey: s.hostKey, payload: 0 }));
  });

  it('starts nothing new while max_pending_results results are being handled', async () => {
    const s = await server(slow(0), '127.0.0.95');
    const options = testEngineOptions({ max_pending_results: 2 });
    const fetcher = new Fetcher(options);
    fetchers.push(fetcher);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = new Dispatcher<number>({ engine: options, fetcher, initialShare: () => share(8), onResult: () => gate });
    for (let i = 0; i < 10; i++) dispatcher.enqueue({ id: String(i), url: `${s.base}/${i}`, hostKey: s.hostKey, payload: i });
    await sleep(200);
    // The first pass started 8; once 2 of their results are stuck in the handler nothing more starts.
    assert.ok(s.arrivals.length >= 8 && s.arrivals.length <= 9, `${s.arrivals.length} started`);
    assert.equal(dispatcher.pending, 10);
    release();
    await dispatcher.drain();
    assert.equal(s.arrivals.length, 10);
    assert.equal(dispatcher.pending, 0);
  });

  it('drain() rejects with the error a result handler threw', async () => {
    const s = await server(slow(0), '127.0.0.96');
    const options = testEngineOptions();
    const fetcher = new Fetcher(options);
    fetchers.push(fetcher);
    const dispatcher = new Dispatcher<number>({
      engine: options,
      fetcher,
      initialShare: () => share(1),
      onResult: () => {
        throw new Error('writer failed');
      },
    });
    dispatcher.enqueue({ id: '1', url: `${s.base}/1`, hostKey: s.hostKey, payload: 1 });
    await assert.rejects(dispatcher.drain(), /writer failed/);
  });
});
