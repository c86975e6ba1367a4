/**
 * What the farm counts per host. TTFB is measured server-side, from the request's arrival to its
 * response headers, so it includes queueing; it uses the controller's log-bucketed histogram so that a
 * harness can set the farm's view beside the client's bucket for bucket.
 */
import { emptyHistogram, quantile, recordSample } from '../../src/controller/histogram.js';
import { LoadMeter, type LoadSeries } from './load-meter.js';
import type { UrlKind } from './url-spec.js';

export interface TtfbSummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Counts per bucket of src/controller/histogram.ts. */
  readonly histogram: number[];
}

export interface HostCounters {
  /** Requests received (every redirect hop counts). */
  readonly requests: number;
  /** Requests whose connection closed before their response was complete (client gave up, or a fault). */
  readonly aborted: number;
  /** 429/503 answers from the queue limit or the token bucket. */
  readonly overloads: number;
  /** Responses by status code, as far as headers were sent. */
  readonly statuses: Record<string, number>;
  /** Requests that reached service, by URL kind. */
  readonly served: Partial<Record<UrlKind, number>>;
  readonly inFlight: number;
  readonly peakInFlight: number;
  readonly avgInFlight: number;
  /**
   * Time-averaged requests in flight beyond the host's capacity: waiting in its queue. The farm's
   * totals sum the hosts'.
   */
  readonly avgQueued: number;
  readonly ttfb: TtfbSummary;
  /** Omitted when the caller asks for no series. */
  readonly inFlightSeries?: LoadSeries;
}

const round = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

/**
 * Counters of one host. Every event also reaches `parent` (the farm's totals), so totals stay exact,
 * including the peak and time average of the farm-wide in-flight count.
 */
export class HostStats {
  readonly load: LoadMeter;
  private requests = 0;
  private aborted = 0;
  private overloads = 0;
  private statuses = new Map<number, number>();
  private servedKinds = new Map<UrlKind, number>();
  private ttfb = emptyHistogram();
  private ttfbCount = 0;
  private ttfbSumMs = 0;
  private ttfbMaxMs = 0;

  constructor(
    now: number,
    tickMs: number,
    seriesCapacity: number,
    /** The host's; omitted for the farm's totals. */
    capacity?: number,
    private readonly parent?: HostStats,
  ) {
    this.load = new LoadMeter(now, tickMs, seriesCapacity, capacity);
  }

  arrived(now: number): void {
    this.requests++;
    this.load.up(now);
    this.parent?.arrived(now);
  }

  finished(now: number, aborted: boolean): void {
    if (aborted) this.aborted++;
    this.load.down(now);
    this.parent?.finished(now, aborted);
  }

  /** A response whose headers measure service: counts its status and TTFB. */
  answered(status: number, ttfbMs: number): void {
    this.countStatus(status);
    recordSample(this.ttfb, ttfbMs);
    this.ttfbCount++;
    this.ttfbSumMs += ttfbMs;
    if (ttfbMs > this.ttfbMaxMs) this.ttfbMaxMs = ttfbMs;
    this.parent?.answered(status, ttfbMs);
  }

  /** A 429/503 from the queue limit or token bucket. */
  turnedAway(status: number): void {
    this.countStatus(status);
    this.overloads++;
    this.parent?.turnedAway(status);
  }

  served(kind: UrlKind): void {
    this.servedKinds.set(kind, (this.servedKinds.get(kind) ?? 0) + 1);
    this.parent?.served(kind);
  }

  private countStatus(code: number): void {
    this.statuses.set(code, (this.statuses.get(code) ?? 0) + 1);
  }

  snapshot(now: number, withSeries: boolean): HostCounters {
    return {
      requests: this.requests,
      aborted: this.aborted,
      overloads: this.overloads,
      statuses: Object.fromEntries(this.statuses),
      served: Object.fromEntries(this.servedKinds),
      inFlight: this.load.current,
      peakInFlight: this.load.peak,
      avgInFlight: round(this.load.average(now)),
      avgQueued: round(this.load.queuedAverage(now)),
      ttfb: {
        count: this.ttfbCount,
        meanMs: round(this.ttfbCount > 0 ? this.ttfbSumMs / this.ttfbCount : 0),
        p50Ms: round(quantile(this.ttfb, 0.5)),
        p90Ms: round(quantile(this.ttfb, 0.9)),
        p99Ms: round(quantile(this.ttfb, 0.99)),
        maxMs: round(this.ttfbMaxMs),
        histogram: Array.from(this.ttfb),
      },
      ...(withSeries ? { inFlightSeries: this.load.seriesSnapshot() } : {}),
    };
  }

  reset(now: number): void {
    this.requests = 0;
    this.aborted = 0;
    this.overloads = 0;
    this.statuses.clear();
    this.servedKinds.clear();
    this.ttfb = emptyHistogram();
    this.ttfbCount = 0;
    this.ttfbSumMs = 0;
    this.ttfbMaxMs = 0;
    this.load.reset(now);
  }
}
