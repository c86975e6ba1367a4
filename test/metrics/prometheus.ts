/**
 * A real Prometheus for tests, on loopback with its storage in a temporary folder. It must be
 * installed (scripts/setup.sh does it): a missing one fails the test with what to run, never skips it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './helpers.js';

export function requirePrometheus(): void {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('prometheus is not installed: run `bash scripts/setup.sh` (it installs the Debian package prometheus)');
  }
}

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  readonly url: string;
  /** An instant query through the HTTP API, now or at `atSeconds` (Unix time). */
  query(expr: string, atSeconds?: number): Promise<QueryResult[]>;
  stop(): Promise<void>;
}

/** The scrape job the tests use: the README's, with intervals short enough for a run of seconds. */
export function scrapeConfig(targetFiles: string): string {
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: distributed-downloader
    honor_labels: true
    file_sd_configs:
      - files: ['${targetFiles}']
        refresh_interval: 1s
`;
}

/** Starts Prometheus scraping the targets listed in `targetFiles` (a glob) and waits until it is ready. */
export async function startPrometheus(dir: string, targetFiles: string): Promise<Prometheus> {
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, scrapeConfig(targetFiles));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(10_000, undefined, { ref: false }).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running) throw new Error(`prometheus exited before it was ready:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s:\n${log}`);
    }
    await sleep(200);
  }

  return {
    url,
    stop,
    async query(expr: string, atSeconds?: number) {
      const at = atSeconds === undefined ? '' : `&time=${atSeconds}`;
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
      const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: QueryResult[] } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
      return body.data.result;
    },
  };
}
