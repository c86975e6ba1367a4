/**
 * The farm's statistics as JSON-ready data: every host's configuration and oracle beside what it saw,
 * and the farm-wide totals.
 */
import type { HostRuntime } from './exchange.js';
import { meanServiceMs, type OverloadAnswer, type ServiceTime, type TokenBucket } from './host-spec.js';
import type { HostCounters, HostStats } from './host-stats.js';
import { imageUrlCount } from './plan.js';

export interface HostConfigReport {
  readonly label: string;
  readonly address: string;
  /** `address:port`, the downloader's server_name for this host (before percent-encoding). */
  readonly serverName: string;
  readonly capacity: number;
  /** null when unbounded. */
  readonly queueLimit: number | null;
  readonly service: ServiceTime;
  readonly meanServiceMs: number;
  readonly overload: OverloadAnswer;
  readonly rateLimit: TokenBucket | null;
  readonly bodyBytesPerSec: number | null;
  readonly refuse: boolean;
  readonly urls: number;
  /** URLs that should yield an image. */
  readonly imageUrls: number;
  /** Requests/s the host completes without queueing (capacity / mean hold time, capped by its token rate). */
  readonly oracleRps: number;
}

export type HostReport = HostConfigReport & HostCounters;

export interface FarmReport {
  readonly scenario: string;
  readonly seed: number;
  readonly port: number;
  /** Time since start or the last reset, ms. */
  readonly elapsedMs: number;
  readonly totals: HostCounters & { readonly hosts: number; readonly urls: number; readonly oracleRps: number };
  readonly hosts: HostReport[];
}

export interface RuntimeWithOracle {
  readonly runtime: HostRuntime;
  readonly oracleRps: number;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function hostConfig({ runtime, oracleRps }: RuntimeWithOracle, port: number): HostConfigReport {
  const { spec, plan } = runtime;
  return {
    label: spec.label,
    address: plan.address,
    serverName: `${plan.address}:${port}`,
    capacity: spec.capacity,
    queueLimit: Number.isFinite(spec.queueLimit) ? spec.queueLimit : null,
    service: spec.service,
    meanServiceMs: round3(meanServiceMs(spec.service)),
    overload: spec.overload,
    rateLimit: spec.rateLimit ?? null,
    bodyBytesPerSec: spec.bodyBytesPerSec ?? null,
    refuse: spec.refuse,
    urls: plan.urls.length,
    imageUrls: imageUrlCount(plan),
    oracleRps: round3(oracleRps),
  };
}

export interface ReportInput {
  readonly scenario: string;
  readonly seed: number;
  readonly port: number;
  readonly since: number;
  readonly total: HostStats;
  readonly hosts: readonly RuntimeWithOracle[];
}

export function farmReport(input: ReportInput, now: number, withSeries: boolean): FarmReport {
  const hosts = input.hosts.map(
    (h): HostReport => ({ ...hostConfig(h, input.port), ...h.runtime.stats.snapshot(now, withSeries) }),
  );
  return {
    scenario: input.scenario,
    seed: input.seed,
    port: input.port,
    elapsedMs: round3(now - input.since),
    totals: {
      hosts: hosts.length,
      urls: hosts.reduce((n, h) => n + h.urls, 0),
      oracleRps: round3(input.hosts.reduce((r, h) => r + h.oracleRps, 0)),
      ...input.total.snapshot(now, withSeries),
      // Queueing is per host: the farm-wide in-flight count says nothing about any one queue.
      avgQueued: round3(hosts.reduce((q, h) => q + h.avgQueued, 0)),
    },
    hosts,
  };
}
