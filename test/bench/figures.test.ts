/** The pure parts of the harness: the oracle, TTFB inflation, series, host sampling, table and plots. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyHistogram, recordSample } from '../../src/controller/histogram.js';
import type { HostConfigReport } from '../../bench/farm/index.js';
import { raisedCeiling } from '../../bench/harness/ceiling.js';
import type { FarmRecord, ThroughputSample } from '../../bench/harness/farm-recorder.js';
import { imagesPerSecond } from '../../bench/harness/figures.js';
import { sampleHosts } from '../../bench/harness/host-sample.js';
import { idealDelivered, idealRate, idealSeconds } from '../../bench/harness/oracle.js';
import type { RunRecord } from '../../bench/harness/run.js';
import { firstReach, tailSeconds, throughputSeries, timeOfCount } from '../../bench/harness/series.js';
import { addUnloaded, ttfbInflation } from '../../bench/harness/ttfb.js';
import { lineChart, niceTicks } from '../../bench/report/svg.js';
import type { ClientRun } from '../../bench/harness/client-run.js';

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not ${expected} ± ${tolerance}`);

test('oracle: each host at its rate until its URLs run out, all under the client ceiling', () => {
  const hosts = [
    { oracleRps: 10, images: 100 },
    { oracleRps: 5, images: 10 },
    { oracleRps: 0, images: 50 }, // refuses: never delivers
  ];
  assert.equal(idealDelivered(hosts, Infinity, 1), 15);
  assert.equal(idealDelivered(hosts, Infinity, 4), 50);
  close(idealSeconds(hosts, Infinity, 110), 10, 1e-4, 'all reachable images');
  close(idealSeconds(hosts, Infinity, 1000), 10, 1e-4, 'no more than the reachable images');
  close(idealSeconds(hosts, Infinity, 30), 2, 1e-4, 'both hosts busy');
  close(idealSeconds(hosts, 8, 110), 110 / 8, 1e-3, 'the ceiling binds');
  close(idealRate(hosts, Infinity), 11, 1e-3, 'average rate');
  assert.equal(idealSeconds(hosts, Infinity, 0), 0);
});

test('TTFB inflation: unloaded service times score about 1, queueing more', () => {
  const service = { medianMs: 80, sigma: 0.5 };
  const unloaded = emptyHistogram();
  addUnloaded(unloaded, service, 20_000);
  const measured = emptyHistogram();
  const queued = emptyHistogram();
  // A seeded sample of the lognormal (mulberry32 and Box–Muller).
  let seed = 42;
  const uniform = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20_000; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const ms = service.medianMs * Math.exp(service.sigma * z);
    recordSample(measured, ms);
    recordSample(queued, ms * 3);
  }
  close(ttfbInflation(measured, unloaded), 1, 0.1, 'unloaded');
  close(ttfbInflation(queued, unloaded), 3, 0.4, 'three times slower');
  assert.equal(ttfbInflation(emptyHistogram(), unloaded), 1);
});

function samples(points: readonly [number, number][]): ThroughputSample[] {
  return points.map(([atMs, ok]) => ({ atMs, ok }));
}

function runRecord(farmSamples: ThroughputSample[], startMs: number, endMs: number, images = 0, name = 'x'): RunRecord {
  const client: ClientRun = { client: name, startMs, endMs, images, finished: true, epochs: [], outputDir: '', notes: [] };
  const farm = { startMs: 0, splitMs: null, samples: farmSamples, early: null } as unknown as FarmRecord;
  return { scenario: { name: 'smoke', seed: 1, scale: 1 }, client, farm, watched: [], load: { average: 0, cores: 2 } };
}

test('throughput series, first reach, ceiling rate', () => {
  // 100 answers/s from t = 1 s to t = 11 s, sampled every 250 ms.
  const pts: [number, number][] = [];
  for (let t = 0; t <= 12_000; t += 250) pts.push([t, Math.max(0, Math.min(1000, (t - 1000) / 10))]);
  const record = runRecord(samples(pts), 1000, 11_000, 1000);
  const series = throughputSeries(record.farm, record.client);
  close(series.find((p) => p.t === 5)!.v, 100, 1e-9, 'rate in the middle');
  close(firstReach(series, 90)!, 1, 1e-9, '90 % reached after 0.9 s of a 1 s window, at the next sample');
  assert.equal(firstReach(series, 101), null);
  close(timeOfCount(record.farm.samples, 500)!, 6000, 1e-9, 'time of the 500th answer');
  close(tailSeconds(record.farm.samples)!, 0.5, 1e-9, 'the last 50 answers: from 10.5 s to 11 s');
  assert.equal(tailSeconds([]), null);
  // The last 2 s of a 12 s run went to writing: the ceiling counts them, 1000 images in 12 s.
  close(imagesPerSecond(runRecord(samples(pts), 0, 12_000, 1000).client), 1000 / 12, 1e-9, 'ceiling over the whole run');
  // 100, 150 and (aria2c, which writes no Parquet) 200 images/s against a calibrated 120.
  const runs = [runRecord([], 0, 10_000, 1000, 'aimd'), runRecord([], 0, 10_000, 1500, 'adaptive'), runRecord([], 0, 10_000, 2000, 'aria2c')];
  assert.deepEqual(raisedCeiling(120, runs), { ceiling: 150, by: 'adaptive' });
  assert.deepEqual(raisedCeiling(160, runs), { ceiling: 160 });
});

function host(i: number, capacity: number, oracleRps: number, label = 'mixed', refuse = false): HostConfigReport {
  return {
    label, address: `127.0.1.${i}`, serverName: `127.0.1.${i}:80`, capacity, queueLimit: null,
    service: { medianMs: 50, sigma: 0 }, meanServiceMs: 50, overload: { status: 429 }, rateLimit: null,
    bodyBytesPerSec: null, refuse, urls: 10, imageUrls: refuse ? 0 : 10, oracleRps,
  };
}

test('host sample: unusual kinds first, then capacities from largest to smallest, no refusing hosts', () => {
  const hosts = [
    host(1, 1, 20), host(2, 1, 10), host(3, 64, 900), host(4, 8, 100), host(5, 2, 30),
    host(6, 1, 5), host(7, 4, 60), host(8, 2, 40, 'slow-body'), host(9, 3, 50, 'refuse', true),
  ];
  assert.deepEqual(sampleHosts(hosts, 4), ['127.0.1.8:80', '127.0.1.3:80', '127.0.1.7:80', '127.0.1.1:80']);
  assert.equal(new Set(sampleHosts(hosts, 20)).size, 8);
});

test('charts: round ticks, one path per line, escaped text', () => {
  assert.deepEqual(niceTicks(9.3), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0), [0, 1]);
  const svg = lineChart({
    width: 300, height: 180, title: 'a < b', xLabel: 's', yLabel: 'n',
    lines: [{ name: 'l', points: [{ t: 0, v: 1 }, { t: 2, v: 3 }], color: '#000', step: true }],
    rules: [{ y: 2, label: 'cap', color: '#555' }],
  });
  assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
  assert.equal(svg.match(/<path /g)?.length, 1);
  assert.match(svg, /a &#60; b/);
});
