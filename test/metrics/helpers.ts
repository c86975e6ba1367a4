/** Building engine epochs, reading a registry back and finding a free port, for the metrics tests. */
import net from 'node:net';
import type { Registry } from 'prom-client';
import { recordSample } from '../../src/controller/histogram.js';
import { emptyStats, type HostDecision, type HostEpochStats, type HostShare } from '../../src/controller/types.js';
import type { EpochView } from '../../src/metrics/index.js';

export interface HostLoad {
  /** Requests started and finished OK this epoch, each with this TTFB. Default 0. */
  requests?: number;
  ttfbMs?: number;
  inflight?: number;
  backlog?: number;
  limit?: number;
  share?: number;
  blockedUntil?: number;
}

/** One epoch at `nowMs` in which each host did what its load says. */
export function epochOf(nowMs: number, loads: ReadonlyMap<string, HostLoad>): EpochView {
  const stats = new Map<string, HostEpochStats>();
  const shares = new Map<string, HostShare>();
  const decisions = new Map<string, HostDecision>();
  for (const [host, load] of loads) {
    const s = emptyStats();
    const n = load.requests ?? 0;
    s.started = n;
    s.outcomes.ok = n;
    for (let i = 0; i < n; i++) recordSample(s.ttfbHist, load.ttfbMs ?? 50);
    s.inflightAvg = load.inflight ?? 0;
    s.backlog = load.backlog ?? 0;
    stats.set(host, s);
    const blockedUntil = load.blockedUntil ?? 0;
    decisions.set(host, { limit: load.limit ?? 4, pacingRate: 0, blockedUntil, generation: 0 });
    shares.set(host, { limit: load.share ?? 2, pacingRate: 0, blockedUntil, generation: 0 });
  }
  return { nowMs, stats, shares, decisions };
}

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as Sample[];
}

/** The value of `name` for each host label (summed over other labels). */
export async function byHost(registry: Registry, name: string, metricName = name): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await samples(registry, name)) {
    if ((s.metricName ?? name) !== metricName) continue;
    const host = String(s.labels.host);
    out.set(host, (out.get(host) ?? 0) + s.value);
  }
  return out;
}

/** A loopback port free a moment ago (another process could take it in between; tests accept that). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
