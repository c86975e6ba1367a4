/**
 * Each host behaviour, as seen by a plain client. One farm with one host per behaviour; service times
 * are constant (sigma 0) so that timings have exact expectations. Timers never fire early, so lower
 * bounds on TTFB are sharp; upper bounds are loose or relative, because other test processes may be
 * busy on the same two cores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startFarm, type Farm } from '../../bench/farm/farm.js';
import { hostSpec, type HostOptions } from '../../bench/farm/host-spec.js';
import { IMAGE_VARIANTS, loadImages } from '../../bench/farm/images.js';
import { planScenario } from '../../bench/farm/plan.js';
import { HUGE_BODY_BYTES, urlPath, type UrlSpec } from '../../bench/farm/url-spec.js';
import { concurrently, followRedirects, rawGet } from './client.js';

const IMG: UrlSpec = { kind: 'img', variant: 'medium' };
const constant = (medianMs: number) => ({ medianMs, sigma: 0 });
const SERVICE_MS = 200;

const HOSTS = {
  queue429: { capacity: 4, service: constant(SERVICE_MS), queueLimit: 8, overload: { status: 429, retryAfter: { format: 'seconds', seconds: 3 } } },
  queue503: { capacity: 2, service: constant(100), queueLimit: 0, overload: { status: 503, retryAfter: { format: 'date', seconds: 5 } } },
  bucket: { capacity: 16, service: constant(5), rateLimit: { ratePerSec: 10, burst: 3, answer: { status: 429, retryAfter: { format: 'seconds', seconds: 1 } } } },
  bucketBare: { capacity: 16, service: constant(5), rateLimit: { ratePerSec: 2, burst: 1, answer: { status: 429 } } },
  slowTtfb: { capacity: 8, service: constant(600) },
  slowBody: { capacity: 8, service: constant(10), bodyBytesPerSec: 20_000 },
  faults: { capacity: 8, service: constant(10) },
  refused: { refuse: true },
  stats: { capacity: 2, service: constant(100) },
} satisfies Record<string, HostOptions>;
type HostName = keyof typeof HOSTS;
const NAMES = Object.keys(HOSTS) as HostName[];

let farm: Farm;

function url(host: HostName, spec: UrlSpec = IMG, id = '1'): string {
  return `http://${farm.plan.hosts[NAMES.indexOf(host)]!.address}:${farm.port}${urlPath(spec, id)}`;
}

function hostStats(host: HostName) {
  return farm.stats().hosts[NAMES.indexOf(host)]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  const drafts = NAMES.map((name) => ({ spec: hostSpec({ label: name, ...HOSTS[name] }), urls: [IMG] }));
  farm = await startFarm(planScenario('behaviour', 1, drafts), { maxHoldMs: 5000 });
  // Warm the request path up, so that the timed tests measure queueing, not first-call compilation.
  await rawGet(url('faults'));
});

after(() => farm.stop());

describe('capacity and queueing', () => {
  test('c concurrent requests are served in about the service time', async () => {
    const answers = await concurrently(4, url('queue429'));
    const image = (await loadImages()).medium.bytes;
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.ok(a.body.equals(image));
      // Nobody waited for another request's service.
      assert.ok(a.ttfbMs! >= SERVICE_MS - 5 && a.ttfbMs! < 2 * SERVICE_MS, `ttfb ${a.ttfbMs}`);
    }
  });

  test('3c concurrent requests queue FIFO: TTFB grows in waves of c', async () => {
    const ttfbs = (await concurrently(12, url('queue429'))).map((a) => {
      assert.equal(a.status, 200);
      return a.ttfbMs!;
    });
    ttfbs.sort((a, b) => a - b);
    // The i-th answer waited floor(i / c) services before its own; waves are a service time apart.
    ttfbs.forEach((ttfb, i) => {
      const wave = Math.floor(i / 4) + 1;
      assert.ok(ttfb >= wave * SERVICE_MS - 5 && ttfb < (wave + 1) * SERVICE_MS, `answer ${i}: ttfb ${ttfb} in ${ttfbs}`);
    });
    assert.ok(ttfbs[4]! - ttfbs[3]! > SERVICE_MS / 2 && ttfbs[8]! - ttfbs[7]! > SERVICE_MS / 2, `${ttfbs}`);
  });

  test('past the queue limit the host answers 429 with Retry-After seconds, at once', async () => {
    const answers = await concurrently(15, url('queue429'));
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 3);
    assert.equal(answers.filter((a) => a.status === 200).length, 12);
    const firstServed = Math.min(...answers.filter((a) => a.status === 200).map((a) => a.ttfbMs!));
    for (const a of refused) {
      assert.equal(a.headers?.['retry-after'], '3');
      assert.ok(a.ttfbMs! < firstServed, `overload answered after ${a.ttfbMs} ms, first image at ${firstServed}`);
    }
    assert.equal(hostStats('queue429').overloads, 3);
  });

  test('503 with an HTTP-date Retry-After', async () => {
    const answers = await concurrently(4, url('queue503'));
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(refused.length, 2);
    for (const a of refused) {
      const at = Date.parse(a.headers?.['retry-after'] ?? '');
      assert.ok(Math.abs(at - (Date.now() + 5000)) < 2500, `Retry-After ${a.headers?.['retry-after']}`);
    }
  });
});

describe('token bucket', () => {
  test('allows the burst, then 429 with Retry-After until tokens refill', async () => {
    const first = await concurrently(10, url('bucket'));
    assert.equal(first.filter((a) => a.status === 200).length, 3);
    const limited = first.filter((a) => a.status === 429);
    assert.equal(limited.length, 7);
    for (const a of limited) assert.equal(a.headers?.['retry-after'], '1');
    await sleep(350); // 10 tokens/s: three more
    const second = await concurrently(3, url('bucket'));
    assert.deepEqual(second.map((a) => a.status), [200, 200, 200]);
  });

  test('without Retry-After', async () => {
    const answers = await concurrently(2, url('bucketBare'));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 429]);
    assert.equal(answers.find((a) => a.status === 429)?.headers?.['retry-after'], undefined);
  });
});

describe('slow hosts', () => {
  test('slow TTFB, fast body', async () => {
    const a = await rawGet(url('slowTtfb'));
    assert.equal(a.status, 200);
    assert.ok(a.ttfbMs! >= 595 && a.ttfbMs! < 1000, `ttfb ${a.ttfbMs}`);
    assert.ok(a.totalMs - a.ttfbMs! < 200, `body took ${a.totalMs - a.ttfbMs!} ms`);
  });

  test('fast TTFB, throttled body', async () => {
    const a = await rawGet(url('slowBody'));
    const bytes = (await loadImages()).medium.bytes;
    assert.equal(a.status, 200);
    assert.ok(a.complete && a.body.equals(bytes));
    const expected = (1000 * bytes.length) / 20_000;
    const bodyMs = a.totalMs - a.ttfbMs!;
    assert.ok(a.ttfbMs! < expected / 2, `ttfb ${a.ttfbMs}`);
    // Slices go out every 50 ms, the first at once: the last arrives ~50 ms before a perfect stream ends.
    assert.ok(bodyMs > expected - 120 && bodyMs < 2 * expected, `body ${bodyMs} ms, expected ~${expected}`);
  });
});

describe('faults', () => {
  test('connection reset', async () => {
    const a = await rawGet(url('faults', { kind: 'reset' }));
    assert.equal(a.status, undefined);
    assert.equal(a.error, 'ECONNRESET');
  });

  test('truncated body: Content-Length larger than what is sent', async () => {
    const a = await rawGet(url('faults', { kind: 'truncated', variant: 'medium' }));
    const full = (await loadImages()).medium.bytes.length;
    assert.equal(a.status, 200);
    assert.equal(Number(a.headers?.['content-length']), full);
    assert.equal(a.complete, false);
    assert.equal(a.body.length, full >> 1);
  });

  test('stall mid-body', async () => {
    const a = await rawGet(url('faults', { kind: 'stall', variant: 'medium' }), { timeoutMs: 400 });
    assert.equal(a.status, 200);
    assert.equal(a.error, 'TIMEOUT');
    assert.ok(a.body.length > 0 && a.body.length < Number(a.headers?.['content-length']));
  });

  test('accepts and never answers', async () => {
    const a = await rawGet(url('faults', { kind: 'hang' }), { timeoutMs: 300 });
    assert.equal(a.status, undefined);
    assert.equal(a.error, 'TIMEOUT');
  });

  test('refused connection', async () => {
    const a = await rawGet(url('refused'));
    assert.equal(a.error, 'ECONNREFUSED');
  });

  test('huge body: headers claim 200 MB', async () => {
    const a = await rawGet(url('faults', { kind: 'huge' }), { headersOnly: true });
    assert.equal(a.status, 200);
    assert.equal(a.headers?.['content-type'], 'image/jpeg');
    assert.equal(Number(a.headers?.['content-length']), HUGE_BODY_BYTES);
  });

  test('non-image: 200 text/html', async () => {
    const a = await rawGet(url('faults', { kind: 'html' }));
    assert.equal(a.status, 200);
    assert.match(String(a.headers?.['content-type']), /^text\/html/);
    assert.match(a.body.toString(), /^<!doctype html>/);
  });

  test('redirect chain of n hops ends in the image', async () => {
    const answers = await followRedirects(url('faults', { kind: 'redirect', hops: 3, variant: 'small' }), 10);
    assert.deepEqual(answers.map((a) => a.status), [302, 302, 302, 200]);
    for (const a of answers.slice(0, 3)) assert.ok(a.headers?.location?.startsWith(`http://${farm.plan.hosts[NAMES.indexOf('faults')]!.address}:`));
    assert.ok(answers[3]!.body.equals((await loadImages()).small.bytes));
  });

  test('redirect loop between two URLs', async () => {
    const answers = await followRedirects(url('faults', { kind: 'loop', step: 0 }), 5);
    assert.equal(answers.length, 6);
    assert.ok(answers.every((a) => a.status === 302));
    const targets = answers.map((a) => a.headers?.location);
    assert.equal(new Set(targets).size, 2);
    assert.equal(targets[0], targets[2]);
  });

  for (const code of [404, 403, 410]) {
    test(`status ${code}`, async () => {
      const a = await rawGet(url('faults', { kind: 'status', code }));
      assert.equal(a.status, code);
    });
  }

  test('unknown paths get 404', async () => {
    const a = await rawGet(url('faults').replace('/img/', '/nothing/'));
    assert.equal(a.status, 404);
  });
});

test('every image variant is a real image of its declared size and type', async () => {
  const images = await loadImages();
  for (const variant of IMAGE_VARIANTS) {
    const a = await rawGet(url('faults', { kind: 'img', variant }, variant));
    const meta = await sharp(a.body).metadata();
    assert.equal(a.headers?.['content-type'], images[variant].contentType);
    assert.deepEqual([meta.width, meta.height], [images[variant].width, images[variant].height]);
    assert.equal(`image/${meta.format}`, images[variant].contentType);
  }
  assert.ok(images.medium.bytes.length > 8_000 && images.medium.bytes.length < 20_000, `${images.medium.bytes.length}`);
});

describe('stats', () => {
  test('counts requests, peak and average in-flight, statuses and TTFB', async () => {
    farm.resetStats();
    await concurrently(5, url('stats'));
    const res = await fetch(farm.statsUrl);
    assert.equal(res.status, 200);
    const report = (await res.json()) as ReturnType<Farm['stats']>;
    const host = report.hosts[NAMES.indexOf('stats')]!;
    assert.equal(host.label, 'stats');
    assert.equal(host.capacity, 2);
    assert.equal(host.oracleRps, 20);
    assert.equal(host.requests, 5);
    assert.equal(host.peakInFlight, 5);
    assert.equal(host.inFlight, 0);
    assert.deepEqual(host.statuses, { 200: 5 });
    assert.equal(host.overloads, 0);
    assert.equal(host.ttfb.count, 5);
    // Waves of 2, 2, 1 at 100 ms each: 100, 100, 200, 200, 300.
    assert.ok(host.ttfb.meanMs >= 175 && host.ttfb.meanMs < 400, `mean ttfb ${host.ttfb.meanMs}`);
    assert.ok(host.ttfb.maxMs >= 295, `max ttfb ${host.ttfb.maxMs}`);
    assert.ok(host.avgInFlight > 0 && host.avgInFlight <= 5);
    // Beyond the capacity of 2: 3 requests for the first 100 ms, then 1 for the next 100 ms.
    const queuedMs = host.avgQueued * report.elapsedMs;
    assert.ok(queuedMs >= 380 && queuedMs <= 600, `queued request-ms ${queuedMs}`);
    assert.equal(report.totals.avgQueued, host.avgQueued);
    assert.ok(host.inFlightSeries!.values.length > 0);
    assert.ok(Math.max(...host.inFlightSeries!.values) > 1);
    assert.equal(report.totals.requests, 5);
    assert.equal(report.totals.peakInFlight, 5);
  });

  test('aborted faults leave no request in flight', async () => {
    await rawGet(url('faults', { kind: 'huge' }), { headersOnly: true });
    await rawGet(url('faults', { kind: 'hang' }), { timeoutMs: 100 });
    let inFlight = -1;
    for (let i = 0; i < 50 && inFlight !== 0; i++) {
      await sleep(20);
      inFlight = farm.stats({ series: false }).totals.inFlight;
    }
    assert.equal(inFlight, 0);
    assert.ok(hostStats('faults').aborted >= 2);
  });

  test('reset endpoint zeroes the counters', async () => {
    const res = await fetch(`${farm.statsUrl}/reset`, { method: 'POST' });
    assert.equal(res.status, 204);
    const report = farm.stats({ series: false });
    assert.equal(report.totals.requests, 0);
    assert.equal(report.totals.peakInFlight, 0);
    assert.equal(report.hosts[0]!.inFlightSeries, undefined);
  });
});
