/**
 * Prometheus file_sd target files (`metrics/targets-rank-<NNNN>.json`): one per rank, written
 * atomically once its endpoint is up (Prometheus may read the folder at any moment) and removed
 * when the rank ends cleanly, so a file left behind marks a rank that died.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { isIPv6 } from 'node:net';
import { writeFileAtomic } from '../io/atomic.js';

/** One file_sd target group. Its labels must not share a name with any metric label (rank, host, outcome, error_class). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The `host:port` Prometheus should scrape. A wildcard bind address is not reachable as such, so
 * the machine's name stands in for it (on a cluster each rank's node).
 */
export function targetAddress(bindHost: string, port: number): string {
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  const host = wildcard ? hostname() : bindHost;
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function writeTargets(file: string, group: TargetGroup): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify([group], null, 2)}\n`);
}

export async function removeTargets(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
