/** Scenario generation: reproducible, well-formed URL lists; and the smoke scenario end to end. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFarm } from '../../bench/farm/farm.js';
import { buildScenario, SCENARIO_NAMES, type ScenarioName } from '../../bench/farm/scenarios.js';
import { toTsv, urlRows, URL_LIST_COLUMNS } from '../../bench/farm/url-list.js';
import { parseRoute, URL_KINDS, yieldsImage } from '../../bench/farm/url-spec.js';
import { followRedirects } from './client.js';

/** Small enough to build every scenario quickly; longtail's scale shrinks its host count. */
const SCALE: Record<ScenarioName, number> = {
  smoke: 1, uniform: 0.05, mixed: 0.05, ratelimited: 0.2, faulty: 1, dominant: 0.05, longtail: 0.05, demo: 0.2,
};

for (const name of SCENARIO_NAMES) {
  test(`${name}: same seed gives the same URL list, another seed a different one`, () => {
    const a = urlRows(buildScenario(name, { seed: 7, scale: SCALE[name] }), 18080);
    const b = urlRows(buildScenario(name, { seed: 7, scale: SCALE[name] }), 18080);
    const c = urlRows(buildScenario(name, { seed: 8, scale: SCALE[name] }), 18080);
    assert.equal(toTsv(a), toTsv(b));
    assert.notEqual(toTsv(a), toTsv(c));
  });

  test(`${name}: well-formed rows, unique uuids and URLs, distinct host addresses`, () => {
    const plan = buildScenario(name, { scale: SCALE[name] });
    const rows = urlRows(plan, 18080);
    assert.ok(rows.length > 0);
    assert.equal(new Set(rows.map((r) => r.uuid)).size, rows.length);
    assert.equal(new Set(rows.map((r) => r.identifier)).size, rows.length);
    for (const row of rows) {
      assert.match(row.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const url = new URL(row.identifier);
      assert.match(url.hostname, /^127\.0\.([1-9]\d*)\.([1-9]\d*)$/);
      assert.ok(parseRoute(url.pathname + url.search), row.identifier);
    }
    assert.equal(new Set(plan.hosts.map((h) => h.address)).size, plan.hosts.length);
    const header = toTsv(rows.slice(0, 1)).split('\n')[0];
    assert.equal(header, URL_LIST_COLUMNS.join('\t'));
  });
}

test('scale shrinks URL counts; uuids do not depend on the port', () => {
  const full = buildScenario('dominant');
  const small = buildScenario('dominant', { scale: 0.1 });
  const count = (p: typeof full) => p.hosts.reduce((n, h) => n + h.urls.length, 0);
  assert.equal(count(full), 20_000);
  assert.ok(Math.abs(count(small) - 2_000) <= 31);
  assert.deepEqual(
    urlRows(small, 1000).map((r) => r.uuid),
    urlRows(small, 2000).map((r) => r.uuid),
  );
});

test('faulty covers every URL kind and a refusing host', () => {
  const plan = buildScenario('faulty');
  const kinds = new Set(plan.hosts.flatMap((h) => h.urls.map((u) => u.kind)));
  for (const kind of URL_KINDS) assert.ok(kinds.has(kind), kind);
  assert.ok(plan.hosts.some((h) => h.spec.refuse));
  assert.ok(plan.hosts.some((h) => h.spec.bodyBytesPerSec));
});

test('smoke end to end: every URL gives the outcome its kind promises', async () => {
  const farm = await startFarm(buildScenario('smoke'));
  try {
    const plan = farm.plan;
    const kindOf = new Map(urlRows(plan, farm.port).map((r) => [r.identifier, r]));
    assert.equal(kindOf.size, farm.urls.length);
    let images = 0;
    for (const url of farm.urls) {
      const host = plan.hosts.find((h) => url.startsWith(`http://${h.address}:`))!;
      const route = parseRoute(url.slice(url.indexOf('/', 'http://'.length)))!;
      const answers = await followRedirects(url, 5, { timeoutMs: 1000 });
      const last = answers.at(-1)!;
      if (host.spec.refuse) {
        assert.equal(last.error, 'ECONNREFUSED');
      } else if (yieldsImage(route.spec)) {
        assert.equal(last.status, 200, url);
        assert.ok(last.complete && last.body.length > 0);
        images++;
      } else if (route.spec.kind === 'loop') {
        assert.equal(answers.length, 6);
      } else if (route.spec.kind === 'status') {
        assert.equal(last.status, route.spec.code);
      } else if (route.spec.kind === 'html') {
        assert.match(String(last.headers?.['content-type']), /text\/html/);
      } else {
        assert.ok(last.error, `${route.spec.kind} should fail: ${url}`);
      }
    }
    const stats = farm.stats({ series: false });
    assert.equal(images, stats.hosts.reduce((n, h) => n + h.imageUrls, 0));
    assert.equal(stats.totals.urls, farm.urls.length);
    assert.equal(stats.totals.inFlight, 0);
  } finally {
    await farm.stop();
  }
});

test('CLI writes the URL list, prints it and the stats URL, and stops on SIGTERM', async () => {
  const out = await mkdtemp(join(tmpdir(), 'farm-cli-'));
  const cli = fileURLToPath(new URL('../../bench/farm/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--scenario', 'smoke', '--port', '0', '--out', out, '--scale', '0.5'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const lines: Record<string, string> = {};
    for await (const line of createInterface({ input: child.stdout })) {
      const [key, value] = line.split(' ', 2);
      if (key && value) lines[key] = value;
      if (lines.urls && lines.stats) break;
    }
    const tsv = await readFile(lines.urls!, 'utf8');
    assert.equal(tsv.split('\n')[0], URL_LIST_COLUMNS.join('\t'));
    const report = (await (await fetch(lines.stats!)).json()) as { totals: { urls: number } };
    assert.equal(report.totals.urls, tsv.trim().split('\n').length - 1);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await rm(out, { recursive: true, force: true });
  }
});
