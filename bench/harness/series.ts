/** Time series of a run, in seconds since the client started, for figures and plots. */
import type { FarmReport } from '../farm/index.js';
import type { ClientRun } from './client-run.js';
import type { FarmRecord, ThroughputSample } from './farm-recorder.js';

export interface Point {
  /** Seconds since the client started downloading. */
  readonly t: number;
  readonly v: number;
}

/** Trailing window of the throughput series (DESIGN: a sliding 1–2 s window). */
export const THROUGHPUT_WINDOW_MS = 1000;

/** Cumulative 200 answers at `atMs`, interpolated between samples. */
function okAt(samples: readonly ThroughputSample[], atMs: number): number {
  let prev = samples[0];
  if (!prev || atMs <= prev.atMs) return prev?.ok ?? 0;
  for (const s of samples) {
    if (s.atMs >= atMs) return prev.ok + ((s.ok - prev.ok) * (atMs - prev.atMs)) / Math.max(1, s.atMs - prev.atMs);
    prev = s;
  }
  return prev.ok;
}

/** Wall-clock ms at which the cumulative 200 answers reached `count`, interpolated; null if never. */
export function timeOfCount(samples: readonly ThroughputSample[], count: number): number | null {
  let prev: ThroughputSample | undefined;
  for (const s of samples) {
    if (s.ok >= count) {
      if (!prev || s.ok === prev.ok) return s.atMs;
      return prev.atMs + ((s.atMs - prev.atMs) * (count - prev.ok)) / (s.ok - prev.ok);
    }
    prev = s;
  }
  return null;
}

/** Share of a run's 200 answers whose time tailSeconds reports. */
const TAIL_SHARE = 0.05;

/**
 * Seconds the farm took to send the last TAIL_SHARE of a run's 200 answers: a run whose last hosts
 * still had much work when the rest were done ends in a tail that the averages hide. Null without
 * answers.
 */
export function tailSeconds(samples: readonly ThroughputSample[]): number | null {
  const total = samples.at(-1)?.ok ?? 0;
  const start = timeOfCount(samples, (1 - TAIL_SHARE) * total);
  const end = timeOfCount(samples, total);
  return total > 0 && start !== null && end !== null ? (end - start) / 1000 : null;
}

/** 200 answers per second over the trailing window, at every sample of the client's run. */
export function throughputSeries(record: FarmRecord, run: ClientRun): Point[] {
  return record.samples
    .filter((s) => s.atMs > run.startMs && s.atMs <= run.endMs + THROUGHPUT_WINDOW_MS)
    .map((s) => ({
      t: (s.atMs - run.startMs) / 1000,
      v: ((s.ok - okAt(record.samples, s.atMs - THROUGHPUT_WINDOW_MS)) * 1000) / THROUGHPUT_WINDOW_MS,
    }));
}

/** First time the series reaches `level`, or null. */
export function firstReach(series: readonly Point[], level: number): number | null {
  return series.find((p) => p.v >= level)?.t ?? null;
}

function seriesPoints(report: FarmReport | null, serverName: string, fromMs: number, startMs: number): Point[] {
  const series = report?.hosts.find((h) => h.serverName === serverName)?.inFlightSeries;
  if (!series) return [];
  // Each value averages one period: plot it at the period's middle.
  return series.values.map((v, i) => ({ t: (fromMs + (i + 0.5) * series.intervalMs - startMs) / 1000, v }));
}

/** The farm's time-averaged in-flight count of one host (queued requests included), both phases. */
export function hostInflightSeries(record: FarmRecord, serverName: string, run: ClientRun): Point[] {
  const early = seriesPoints(record.early, serverName, record.startMs, run.startMs);
  const late = seriesPoints(record.late, serverName, record.splitMs ?? record.startMs, run.startMs);
  return [...early, ...late].filter((p) => p.t >= 0 && p.t <= (run.endMs - run.startMs) / 1000);
}

/** The controller's global limit of one host at every epoch (pipeline runs only). */
export function hostLimitSeries(run: ClientRun, serverName: string): Point[] {
  const points: Point[] = [];
  for (const e of run.epochs) {
    const limit = e.limits[serverName];
    if (limit !== undefined) points.push({ t: (e.atMs - run.startMs) / 1000, v: limit });
  }
  return points;
}
