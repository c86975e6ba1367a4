/** The dashboard only asks for series a rank actually exports (it cannot drift from the code unnoticed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DownloadRecorder } from '../../src/metrics/index.js';
import { dashboardQueries } from './dashboard.js';

test('every metric in the dashboard is exported by a rank', async () => {
  const registry = new Registry();
  new DownloadRecorder(registry, 3);
  collectDefaultMetrics({ register: registry });
  const exported = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    exported.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix);
  }
  const queries = dashboardQueries();
  assert.ok(queries.length >= 10);
  for (const { panel, expr } of queries) {
    const names = [...expr.matchAll(/\b((?:downloader|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!).filter((n) => n !== 'downloader_output');
    assert.ok(names.length > 0, `${panel}: ${expr} names a metric`);
    for (const name of names) assert.ok(exported.has(name), `${panel}: ${name} is exported`);
  }
});
