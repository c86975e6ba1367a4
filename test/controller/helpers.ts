/** Small builders for controller tests. */
import { recordSample } from '../../src/controller/histogram.js';
import { emptyStats, type HostEpochStats, type OutcomeClass } from '../../src/controller/types.js';

export interface StatsFill {
  outcomes?: Partial<Record<OutcomeClass, number>>;
  /** TTFB samples as [milliseconds, how many]. */
  ttfb?: Array<[number, number]>;
  staleOutcomes?: number;
  started?: number;
  inflightAvg?: number;
  inflightPeak?: number;
  /** Share of the epoch spent demand-limited (0..1), for a 1 s epoch on one rank. */
  demandLimited?: number;
  backlog?: number;
  retryAfterUntil?: number;
  /** Share of the epoch the client's event loop was busy (0..1). */
  clientBusy?: number;
  clientBacklog?: number;
  clientServed?: number;
}

/** One rank's one-second epoch with the given contents. */
export function epochStats(fill: StatsFill = {}): HostEpochStats {
  const stats = emptyStats();
  for (const [c, n] of Object.entries(fill.outcomes ?? {}) as Array<[OutcomeClass, number]>) stats.outcomes[c] = n;
  for (const [ms, count] of fill.ttfb ?? []) for (let i = 0; i < count; i++) recordSample(stats.ttfbHist, ms);
  stats.staleOutcomes = fill.staleOutcomes ?? 0;
  stats.started = fill.started ?? 0;
  stats.inflightAvg = fill.inflightAvg ?? 0;
  stats.inflightPeak = fill.inflightPeak ?? 0;
  stats.epochSeconds = 1;
  stats.demandLimitedSeconds = fill.demandLimited ?? 0;
  stats.backlog = fill.backlog ?? 0;
  stats.retryAfterUntil = fill.retryAfterUntil ?? 0;
  stats.clientBusySeconds = fill.clientBusy ?? 0;
  stats.clientBacklog = fill.clientBacklog ?? 0;
  stats.clientServed = fill.clientServed ?? 0;
  return stats;
}

/** A busy, demand-limited epoch: `ok` answers at `ms` each, `inflight` requests in flight. */
export function busyEpoch(ok: number, ms: number, inflight: number, extra: StatsFill = {}): HostEpochStats {
  return epochStats({
    started: ok,
    inflightAvg: inflight,
    inflightPeak: inflight,
    demandLimited: 1,
    backlog: 100,
    ...extra,
    outcomes: { ok, ...extra.outcomes },
    ttfb: [[ms, ok], ...(extra.ttfb ?? [])],
  });
}
