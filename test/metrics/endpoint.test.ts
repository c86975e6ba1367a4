/**
 * A rank's endpoint: /metrics on metrics.port + rank with the rank on every series, its file_sd
 * target file written while it serves and removed when it stops, and a clear refusal when the port
 * is taken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { outputStructureSchema } from '../../src/config/schema.js';
import { OUTPUT_LABEL, startMetrics } from '../../src/metrics/index.js';
import { targetAddress } from '../../src/metrics/targets.js';
import { Layout } from '../../src/pipeline/layout.js';
import { UsageError } from '../../src/pipeline/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from './helpers.js';

const layout = new Layout({ path_to_output: tempDir('dd-metrics-endpoint-'), output_structure: outputStructureSchema.parse({}) });
const settings = (port: number | null) => ({ metrics: { port, host: '127.0.0.1', max_hosts: 3 } });

test('without metrics.port nothing is started', async () => {
  assert.equal(await startMetrics(settings(null), layout, 0), null);
});

test('rank r serves /metrics on port + r and lists itself in metrics/targets-rank-<NNNN>.json until closed', async () => {
  const port = await freePort();
  const metrics = await startMetrics(settings(port - 2), layout, 2);
  assert.ok(metrics);
  try {
    assert.equal(metrics.address, `127.0.0.1:${port}`);
    const file = layout.metricsTargets(2);
    assert.match(file, /metrics\/targets-rank-0002\.json$/);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [{ targets: [metrics.address], labels: { [OUTPUT_LABEL]: layout.root } }]);

    metrics.download.roundStarted(0, 4);
    const res = await fetch(`http://${metrics.address}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    assert.match(body, /^downloader_batches_remaining\{rank="2"\} 4$/m);
    // Node's own metrics (memory, event-loop lag) carry the rank too.
    assert.match(body, /^process_resident_memory_bytes\{rank="2"\} \d+/m);
    assert.match(body, /^nodejs_eventloop_lag_p99_seconds\{rank="2"\} /m);
    assert.equal((await fetch(`http://${metrics.address}/other`)).status, 404);
  } finally {
    await metrics.close();
  }
  assert.equal(existsSync(layout.metricsTargets(2)), false, 'the target file is gone after a clean stop');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'nothing listens any more');
});

test('port 0 gives each rank a free port, which the target file names', async () => {
  const [a, b] = await Promise.all([startMetrics(settings(0), layout, 0), startMetrics(settings(0), layout, 1)]);
  try {
    assert.ok(a && b && a.address !== b.address);
    assert.deepEqual(JSON.parse(readFileSync(layout.metricsTargets(1), 'utf8'))[0].targets, [b.address]);
  } finally {
    await Promise.all([a?.close(), b?.close()]);
  }
});

test('a port that is taken is refused with the key and the address', async () => {
  const first = await startMetrics(settings(0), layout, 5);
  assert.ok(first);
  try {
    const port = Number(first.address.split(':')[1]);
    await assert.rejects(startMetrics(settings(port - 3), layout, 3), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, new RegExp(`rank 3 cannot serve /metrics on 127\\.0\\.0\\.1:${port} \\(metrics\\.host, metrics\\.port \\+ rank\\): .*EADDRINUSE`));
      return true;
    });
    assert.equal(existsSync(layout.metricsTargets(3)), false);
  } finally {
    await first.close();
  }
});

test('a wildcard address is listed under the machine name; IPv6 literals in brackets', () => {
  assert.equal(targetAddress('0.0.0.0', 9400), `${hostname()}:9400`);
  assert.equal(targetAddress('::', 9400), `${hostname()}:9400`);
  assert.equal(targetAddress('::1', 9401), '[::1]:9401');
  assert.equal(targetAddress('node17.cluster', 9402), 'node17.cluster:9402');
});
