/**
 * Per-host series under the cardinality cap: at most `max_hosts` host labels plus `_other`, with
 * nothing lost in the sum; hosts that lose their place lose their series; TTFB buckets derived from
 * the engine's histogram keep its counts exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { BUCKET_UPPER_MS, HISTOGRAM_BUCKETS } from '../../src/controller/histogram.js';
import { DownloadRecorder, OTHER_HOSTS } from '../../src/metrics/index.js';
import { MAX_BUCKETS, TTFB_BUCKETS_SECONDS, TTFB_OBSERVED_SECONDS } from '../../src/metrics/ttfb-buckets.js';
import { byHost, epochOf, samples, type HostLoad } from './helpers.js';

const MAX_HOSTS = 5;
/** 50 hosts, host i with i + 1 requests: h45…h49 are the busiest. */
const FIFTY = new Map<string, HostLoad>(
  Array.from({ length: 50 }, (_, i) => [`h${String(i).padStart(2, '0')}`, { requests: i + 1, inflight: 1, backlog: 2, limit: 4, share: 2 }]),
);
const TOTAL = (50 * 51) / 2;

function recorder(): { registry: Registry; rec: DownloadRecorder } {
  const registry = new Registry();
  return { registry, rec: new DownloadRecorder(registry, MAX_HOSTS) };
}

test(`50 hosts with max_hosts ${MAX_HOSTS}: five host labels and _other, and the totals add up`, async () => {
  const { registry, rec } = recorder();
  rec.epoch(epochOf(1000, FIFTY));
  const expected = ['h45', 'h46', 'h47', 'h48', 'h49', OTHER_HOSTS].sort();

  const requests = await byHost(registry, 'downloader_host_requests_total');
  assert.deepEqual([...requests.keys()].sort(), expected);
  assert.equal([...requests.values()].reduce((a, b) => a + b, 0), TOTAL, 'every request counted once');
  assert.equal(requests.get('h49'), 50);

  const limits = await byHost(registry, 'downloader_host_limit_requests');
  assert.deepEqual([...limits.keys()].sort(), expected);
  assert.equal(limits.get('h45'), 4);
  assert.equal(limits.get(OTHER_HOSTS), 45 * 4, '_other holds the sum of the other hosts');
  assert.equal((await byHost(registry, 'downloader_host_share_requests')).get(OTHER_HOSTS), 45 * 2);
  assert.equal((await byHost(registry, 'downloader_host_inflight_requests')).get(OTHER_HOSTS), 45);
  assert.equal((await byHost(registry, 'downloader_host_backlog_requests')).get(OTHER_HOSTS), 90);

  const counts = await byHost(registry, 'downloader_host_ttfb_seconds', 'downloader_host_ttfb_seconds_count');
  assert.deepEqual([...counts.keys()].sort(), expected);
  assert.equal([...counts.values()].reduce((a, b) => a + b, 0), TOTAL);

  // The whole exposition: no other host label anywhere, whatever the metric.
  const text = await registry.metrics();
  const hosts = new Set([...text.matchAll(/host="([^"]*)"/g)].map((m) => m[1]));
  assert.deepEqual([...hosts].sort(), expected);
});

test('bytes and retries go to the host when it has its own series, otherwise to _other', async () => {
  const { registry, rec } = recorder();
  rec.epoch(epochOf(1000, FIFTY));
  rec.itemFinished('h49', 1000, 2);
  rec.itemFinished('h00', 500, 1);
  rec.itemFinished('never-seen', 250, 0);
  assert.deepEqual(await byHost(registry, 'downloader_host_body_bytes_total'), new Map([['h49', 1000], [OTHER_HOSTS, 750]]));
  assert.deepEqual(await byHost(registry, 'downloader_host_retries_total'), new Map([['h49', 2], [OTHER_HOSTS, 1]]));
});

test('a host that loses its place loses its series; only hosts held now have gauges', async () => {
  const { registry, rec } = recorder();
  rec.epoch(epochOf(1000, FIFTY));
  // Next epoch only h00…h04 work, and much harder: they take the five places.
  const busy = new Map<string, HostLoad>(['h00', 'h01', 'h02', 'h03', 'h04'].map((h) => [h, { requests: 1000, limit: 8 }]));
  rec.epoch(epochOf(2000, busy));
  const expected = ['h00', 'h01', 'h02', 'h03', 'h04', OTHER_HOSTS].sort();
  const requests = await byHost(registry, 'downloader_host_requests_total');
  assert.deepEqual([...requests.keys()].sort(), expected, 'h45…h49 are gone, their past is in no other series');
  assert.equal(requests.get('h00'), 1000, 'a promoted host starts its own series from this epoch');
  // Gauges describe this epoch's hosts only: nothing is left over in _other.
  assert.deepEqual([...(await byHost(registry, 'downloader_host_limit_requests')).keys()].sort(), expected.filter((h) => h !== OTHER_HOSTS));

  rec.roundFinished();
  assert.deepEqual(await samples(registry, 'downloader_host_limit_requests'), []);
  assert.equal((await samples(registry, 'downloader_hosts_active'))[0]!.value, 0);
});

test('blocked hosts: a timestamp per host with its own series, and a count per rank', async () => {
  const { registry, rec } = recorder();
  const loads = new Map<string, HostLoad>([
    ['busy', { requests: 10 }],
    ['blocked', { requests: 5, blockedUntil: 61_000 }],
    ['expired', { requests: 5, blockedUntil: 59_000 }],
  ]);
  rec.epoch(epochOf(60_000, loads));
  const until = await byHost(registry, 'downloader_host_blocked_until_timestamp_seconds');
  assert.deepEqual(until, new Map([['busy', 0], ['blocked', 61], ['expired', 0]]));
  assert.equal((await samples(registry, 'downloader_hosts_blocked'))[0]!.value, 1);
  assert.equal((await samples(registry, 'downloader_hosts_active'))[0]!.value, 3);
});

test('per-rank counters: images, errors by class, batches done and remaining, round', async () => {
  const { registry, rec } = recorder();
  rec.roundStarted(1, 3);
  rec.imageStored();
  rec.imageStored();
  rec.errorRecorded('not_found');
  rec.batchCompleted();
  const one = async (name: string) => (await samples(registry, name))[0]!.value;
  assert.equal(await one('downloader_images_stored_total'), 2);
  assert.equal(await one('downloader_batches_completed_total'), 1);
  assert.equal(await one('downloader_batches_remaining'), 2);
  assert.equal(await one('downloader_round'), 1);
  assert.deepEqual((await samples(registry, 'downloader_errors_total')).map((s) => [s.labels.error_class, s.value]), [['not_found', 1]]);
});

test("TTFB buckets follow the engine's histogram: coarser, exact, and at most MAX_BUCKETS", () => {
  assert.equal(TTFB_OBSERVED_SECONDS.length, HISTOGRAM_BUCKETS);
  assert.ok(TTFB_BUCKETS_SECONDS.length <= MAX_BUCKETS && TTFB_BUCKETS_SECONDS.length >= 2);
  assert.equal(TTFB_BUCKETS_SECONDS.at(-1), Number((BUCKET_UPPER_MS.at(-2)! / 1000).toPrecision(4)), 'the slowest finite bound is kept');
  // Every engine bucket's observed value falls into the Prometheus bucket that contains the whole engine bucket.
  BUCKET_UPPER_MS.forEach((upperMs, i) => {
    const value = TTFB_OBSERVED_SECONDS[i]!;
    const lowerMs = i === 0 ? 0 : BUCKET_UPPER_MS[i - 1]!;
    const promIndex = TTFB_BUCKETS_SECONDS.findIndex((le) => value <= le);
    const expected = TTFB_BUCKETS_SECONDS.findIndex((le) => upperMs / 1000 <= le * (1 + 1e-3));
    assert.equal(promIndex, expected, `engine bucket ${i} (${lowerMs}–${upperMs} ms) observed at ${value} s`);
    assert.ok(value * 1000 > lowerMs && value * 1000 <= upperMs, `bucket ${i}: observed value inside the bucket`);
  });
});
