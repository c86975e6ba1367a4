/**
 * The benchmark's figures for one run, as definitions.ts defines them. Everything the hosts
 * experienced is measured at the farm, so the pipeline's policies and aria2c are judged by the same
 * instrument; images and run time come from the client.
 */
import { emptyHistogram, mergeInto } from '../../src/controller/histogram.js';
import type { HostReport } from '../farm/index.js';
import type { HostWork } from './oracle.js';
import { idealRate, idealSeconds } from './oracle.js';
import type { ClientRun } from './client-run.js';
import type { RunRecord } from './run.js';
import { firstReach, tailSeconds, throughputSeries } from './series.js';
import { addUnloaded, ttfbInflation } from './ttfb.js';

/** The JSON figures, exactly these keys. */
export interface Figures {
  readonly algorithm: string;
  readonly images_per_s: number;
  readonly goodput_ratio: number;
  readonly overload_per_10k: number;
  readonly p95_ttfb_inflation: number;
  readonly seconds_to_90pct: number;
  readonly max_peak_inflight_ratio: number;
}

export const FIGURE_KEYS = [
  'algorithm',
  'images_per_s',
  'goodput_ratio',
  'overload_per_10k',
  'p95_ttfb_inflation',
  'seconds_to_90pct',
  'max_peak_inflight_ratio',
] as const satisfies readonly (keyof Figures)[];

/** The host behind a run's peak ratio: where the client went furthest over a host's capacity. */
export interface PeakHost {
  readonly label: string;
  /** `address:port`, the downloader's server_name. */
  readonly serverName: string;
  readonly capacity: number;
  /** Its peak number of requests in flight, over the same time as the peak ratio. */
  readonly peak: number;
}

/** How the table and the report name it. */
export function describePeakHost(h: PeakHost): string {
  return `${h.label} host ${h.serverName}: ${h.peak} in flight, capacity ${h.capacity}`;
}

/** What the report shows beside the figures. */
export interface RunDetails {
  readonly seconds: number;
  readonly images: number;
  readonly finished: boolean;
  /** Whether the throughput reached 90 % of the oracle's rate at all. */
  readonly reached90: boolean;
  /** The oracle's average rate over the whole list, images/s. */
  readonly oracleRate: number;
  /** The oracle's time for as many images as the client got, seconds. */
  readonly oracleSeconds: number;
  readonly requests: number;
  readonly overloads: number;
  readonly peak_inflight_ratio_all_time: number;
  /** Share of the hosts that answer whose peak in-flight after the settling time exceeded their capacity. */
  readonly hostsOverCapacity: number;
  /**
   * Share of the time requests spent at the hosts after the settling time (all-time for a shorter
   * run) that they spent waiting in a host's queue, beyond its capacity: Σ avgQueued ÷ Σ avgInFlight.
   * Where the peak ratio shows the worst moment, this shows how long a client held hosts over.
   */
  readonly queuedShare: number;
  /**
   * Seconds the last 5 % of the farm's 200 answers took (series.ts tailSeconds); null when the run
   * was stopped at the deadline (its last answers are not its end) or got no answers.
   */
  readonly tailSeconds: number | null;
  /** Whether the run lasted past the settling time (otherwise the peak ratio is all-time). */
  readonly settled: boolean;
  /** Which host the peak ratio comes from; null when no host saw a request. */
  readonly peakHost: PeakHost | null;
}

export interface RunFigures {
  readonly figures: Figures;
  readonly details: RunDetails;
}

/** One host as the whole run saw it: configuration plus both phases' counts. */
interface HostTotals {
  readonly host: HostReport;
  readonly requests: number;
  readonly overloads: number;
  readonly ttfbCount: number;
  readonly peakLate: number;
  readonly peakAll: number;
}

function hostTotals(record: RunRecord): HostTotals[] {
  const early = new Map((record.farm.early?.hosts ?? []).map((h) => [h.serverName, h]));
  return record.farm.late.hosts.map((late) => {
    const e = early.get(late.serverName);
    return {
      host: late,
      requests: late.requests + (e?.requests ?? 0),
      overloads: late.overloads + (e?.overloads ?? 0),
      ttfbCount: late.ttfb.count + (e?.ttfb.count ?? 0),
      peakLate: late.peakInFlight,
      peakAll: Math.max(late.peakInFlight, e?.peakInFlight ?? 0),
    };
  });
}

export function hostWork(hosts: readonly HostReport[]): HostWork[] {
  return hosts.map((h) => ({ oracleRps: h.oracleRps, images: h.imageUrls }));
}

/** The host with the highest peak ÷ capacity; undefined when none saw a request. */
function peakHost(hosts: readonly HostTotals[], peak: (h: HostTotals) => number): HostTotals | undefined {
  const ratio = (h: HostTotals): number => peak(h) / h.host.capacity;
  return hosts.reduce<HostTotals | undefined>((top, h) => (ratio(h) > (top === undefined ? 0 : ratio(top)) ? h : top), undefined);
}

function maxRatio(hosts: readonly HostTotals[], peak: (h: HostTotals) => number): number {
  const top = peakHost(hosts, peak);
  return top === undefined ? 0 : peak(top) / top.host.capacity;
}

/** A run's duration: from the start of its download stage to its last epoch (or the deadline). */
export function runSeconds(client: ClientRun): number {
  return Math.max(1e-3, (client.endMs - client.startMs) / 1000);
}

/** A run's images per second over its whole time (the table's images/s, and the client ceiling). */
export function imagesPerSecond(client: ClientRun): number {
  return client.images / runSeconds(client);
}

/** `ceiling`: the client machine's images/s (Infinity when not limited). */
export function runFigures(record: RunRecord, ceiling: number): RunFigures {
  const { client, farm } = record;
  const seconds = runSeconds(client);
  const hosts = hostTotals(record);
  const work = hostWork(farm.late.hosts);
  const oracleSeconds = idealSeconds(work, ceiling, client.images);
  const oracleRate = idealRate(work, ceiling);

  const measured = emptyHistogram();
  mergeInto(measured, farm.late.totals.ttfb.histogram);
  if (farm.early) mergeInto(measured, farm.early.totals.ttfb.histogram);
  const unloaded = emptyHistogram();
  for (const h of hosts) addUnloaded(unloaded, h.host.service, h.ttfbCount);

  const requests = hosts.reduce((n, h) => n + h.requests, 0);
  const overloads = hosts.reduce((n, h) => n + h.overloads, 0);
  const reached = firstReach(throughputSeries(farm, client), 0.9 * oracleRate);
  const settled = farm.splitMs !== null;
  const allTime = maxRatio(hosts, (h) => h.peakAll);
  const reported = (h: HostTotals): number => (settled ? h.peakLate : h.peakAll);
  const top = peakHost(hosts, reported);
  const answering = hosts.filter((h) => !h.host.refuse);
  const over = answering.filter((h) => reported(h) > h.host.capacity).length;
  const requestTime = answering.reduce((t, h) => t + h.host.avgInFlight, 0);
  const queuedTime = answering.reduce((t, h) => t + h.host.avgQueued, 0);
  return {
    figures: {
      algorithm: client.client,
      images_per_s: imagesPerSecond(client),
      goodput_ratio: oracleSeconds / seconds,
      overload_per_10k: requests > 0 ? (10_000 * overloads) / requests : 0,
      p95_ttfb_inflation: ttfbInflation(measured, unloaded),
      seconds_to_90pct: reached ?? seconds,
      max_peak_inflight_ratio: top === undefined ? 0 : reported(top) / top.host.capacity,
    },
    details: {
      seconds,
      images: client.images,
      finished: client.finished,
      reached90: reached !== null,
      oracleRate,
      oracleSeconds,
      requests,
      overloads,
      peak_inflight_ratio_all_time: allTime,
      hostsOverCapacity: answering.length > 0 ? over / answering.length : 0,
      queuedShare: requestTime > 0 ? queuedTime / requestTime : 0,
      tailSeconds: client.finished ? tailSeconds(farm.samples) : null,
      settled,
      peakHost:
        top === undefined
          ? null
          : { label: top.host.label, serverName: top.host.serverName, capacity: top.host.capacity, peak: reported(top) },
    },
  };
}
