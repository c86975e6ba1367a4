/**
 * Peak memory of the download stage with large (≈200 KB) JPEGs: how it scales with batch size,
 * batches open at once and requests in flight. Every run downloads the same URL list from a farm of
 * fast hosts on loopback, in a child process of its own.
 *   npm run bench:memory -- [--urls 20000]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hostSpec, planScenario, startFarm } from '../farm/index.js';

const { values } = parseArgs({ options: { urls: { type: 'string', default: '20000' } } });
const urls = Number(values.urls);
const HOSTS = 8;
const plan = planScenario('memory', 1, Array.from({ length: HOSTS }, () => ({
  spec: hostSpec({ capacity: 64, service: { medianMs: 5, sigma: 0.2 } }),
  urls: Array.from({ length: Math.ceil(urls / HOSTS) }, () => ({ kind: 'img' as const, variant: 'large' as const })),
})));
const farm = await startFarm(plan);
const dir = mkdtempSync(path.join(tmpdir(), 'dd-bench-memory-'));
const input = path.join(dir, 'urls.tsv');
await farm.writeUrlList(input);
const child = fileURLToPath(new URL('./child.js', import.meta.url));

/** batch_size, open_batches, max_inflight */
const CASES: [number, number, number][] = [
  [10_000, 2, 128],
  [10_000, 8, 512],
  [1_000, 8, 128],
  [2_500, 8, 128],
  [10_000, 8, 128],
];
const rows: Record<string, number>[] = [];
try {
  for (const [batchSize, openBatches, maxInflight] of CASES) {
    const out = path.join(dir, `out-${batchSize}-${openBatches}-${maxInflight}`);
    // Asynchronously: the farm serving the child lives in this process's event loop.
    const { stdout: text } = await promisify(execFile)(
      process.execPath,
      [child, input, out, String(batchSize), String(openBatches), String(maxInflight)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(text.trim().split('\n').at(-1)!) as { seconds: number; images: number; maxRssMiB: number };
    const row = {
      batch_size: batchSize,
      open_batches: openBatches,
      max_inflight: maxInflight,
      images: r.images,
      seconds: +r.seconds.toFixed(1),
      images_per_s: Math.round(r.images / r.seconds),
      peak_rss_mib: Math.round(r.maxRssMiB),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    rmSync(out, { recursive: true, force: true });
  }
} finally {
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
