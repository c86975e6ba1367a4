/**
 * Per-host series: the controller's decision and this rank's share, what the engine measured in the
 * last epoch, and counters of requests, TTFB, bytes and retries. Only the busiest hosts (TopHosts)
 * get their own `host` label; the rest are summed under `host="_other"`, so a rank's series stay
 * bounded whether it works on ten hosts or a million.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OUTCOME_CLASSES, type HostDecision, type HostEpochStats, type HostShare } from '../controller/types.js';
import { TopHosts } from './top-hosts.js';
import { TTFB_BUCKETS_SECONDS, TTFB_OBSERVED_SECONDS } from './ttfb-buckets.js';

/** The label of every host outside the top ones. `_` cannot start a host name, so it never collides. */
export const OTHER_HOSTS = '_other';
/**
 * Outcome of requests sent before the host's last limit cut and finished after it: the engine counts
 * them apart (a cut is judged only on requests sent after it) without their class.
 */
export const BEFORE_CUT = 'before_cut';

/** One epoch as the download driver sees it (EpochObservation). */
export interface EpochView {
  nowMs: number;
  stats: ReadonlyMap<string, HostEpochStats>;
  shares: ReadonlyMap<string, HostShare>;
  decisions: ReadonlyMap<string, HostDecision>;
}

/** Gauges that add up over hosts, so `_other` holds their sum. */
interface Summable {
  limit: number;
  share: number;
  inflight: number;
  pacing: number;
  backlog: number;
}

export class HostMetrics {
  private readonly top: TopHosts;
  private readonly limit: Gauge<'host'>;
  private readonly share: Gauge<'host'>;
  private readonly inflight: Gauge<'host'>;
  private readonly pacing: Gauge<'host'>;
  private readonly backlog: Gauge<'host'>;
  private readonly blockedUntil: Gauge<'host'>;
  private readonly ttfb: Histogram<'host'>;
  private readonly requests: Counter<'host' | 'outcome'>;
  private readonly bytes: Counter<'host'>;
  private readonly retries: Counter<'host'>;

  constructor(registry: Registry, maxHosts: number) {
    this.top = new TopHosts(maxHosts);
    const registers = [registry];
    const labelNames = ['host'] as const;
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers });
    this.limit = gauge('downloader_host_limit_requests', 'Global concurrency limit of the host (all ranks together), from the controller.');
    this.share = gauge('downloader_host_share_requests', "This rank's part of the host's limit.");
    this.inflight = gauge('downloader_host_inflight_requests', "This rank's requests in flight to the host, time-averaged over the last epoch.");
    this.pacing = gauge('downloader_host_pacing_rate_requests_per_second', 'Global pacing rate of the host after a 429; 0 = not paced.');
    this.backlog = gauge('downloader_host_backlog_requests', "Requests of this rank waiting for the host at the end of the last epoch.");
    this.blockedUntil = gauge(
      'downloader_host_blocked_until_timestamp_seconds',
      'Unix time until which the host is blocked (Retry-After or circuit breaker); 0 = not blocked. Not kept for _other.',
    );
    this.ttfb = new Histogram({
      name: 'downloader_host_ttfb_seconds',
      help: 'Time to first byte (request sent to response headers) of requests that got headers; _sum is estimated from bucket middles.',
      labelNames,
      buckets: [...TTFB_BUCKETS_SECONDS],
      registers,
    });
    this.requests = new Counter({
      name: 'downloader_host_requests_total',
      help: `Finished requests (attempts, retries included) by outcome class: ${[...OUTCOME_CLASSES, BEFORE_CUT].join(', ')}.`,
      labelNames: ['host', 'outcome'],
      registers,
    });
    this.bytes = new Counter({ name: 'downloader_host_body_bytes_total', help: 'Body bytes of successful downloads.', labelNames, registers });
    this.retries = new Counter({ name: 'downloader_host_retries_total', help: 'Retries made for finished items (within the round).', labelNames, registers });
  }

  private labelOf(host: string): string {
    return this.top.has(host) ? host : OTHER_HOSTS;
  }

  /** One item's final result: the successful body's size (0 for a failure) and its retries. */
  itemFinished(host: string, bodyBytes: number, retries: number): void {
    const label = this.labelOf(host);
    if (bodyBytes > 0) this.bytes.inc({ host: label }, bodyBytes);
    if (retries > 0) this.retries.inc({ host: label }, retries);
  }

  epoch(view: EpochView): void {
    const traffic = new Map<string, number>();
    for (const [host, s] of view.stats) traffic.set(host, s.started);
    for (const host of this.top.update(view.nowMs, traffic)) this.forget(host);

    // Gauges describe the hosts this rank holds now: the others' series end here.
    this.clearGauges();
    const other: Summable = { limit: 0, share: 0, inflight: 0, pacing: 0, backlog: 0 };
    let others = 0;
    for (const [host, stats] of view.stats) {
      const label = this.labelOf(host);
      this.count(label, stats);
      const decision = view.decisions.get(host);
      const share = view.shares.get(host);
      const values: Summable = {
        limit: decision?.limit ?? 0,
        share: share?.limit ?? 0,
        inflight: stats.inflightAvg,
        pacing: decision?.pacingRate ?? 0,
        backlog: stats.backlog,
      };
      if (label === OTHER_HOSTS) {
        for (const key of Object.keys(other) as (keyof Summable)[]) other[key] += values[key];
        others++;
        continue;
      }
      this.setGauges(label, values);
      const blockedMs = Math.max(share?.blockedUntil ?? 0, decision?.blockedUntil ?? 0);
      this.blockedUntil.set({ host }, blockedMs > view.nowMs ? blockedMs / 1000 : 0);
    }
    if (others > 0) this.setGauges(OTHER_HOSTS, other);
  }

  /** At the end of a round no host is held any more. */
  clearGauges(): void {
    for (const g of [this.limit, this.share, this.inflight, this.pacing, this.backlog, this.blockedUntil]) g.reset();
  }

  private setGauges(host: string, v: Summable): void {
    this.limit.set({ host }, v.limit);
    this.share.set({ host }, v.share);
    this.inflight.set({ host }, v.inflight);
    this.pacing.set({ host }, v.pacing);
    this.backlog.set({ host }, v.backlog);
  }

  private count(host: string, stats: HostEpochStats): void {
    for (const outcome of OUTCOME_CLASSES) {
      const n = stats.outcomes[outcome];
      if (n > 0) this.requests.inc({ host, outcome }, n);
    }
    if (stats.staleOutcomes > 0) this.requests.inc({ host, outcome: BEFORE_CUT }, stats.staleOutcomes);
    const observe = this.ttfb.labels(host);
    stats.ttfbHist.forEach((n, bucket) => {
      const seconds = TTFB_OBSERVED_SECONDS[bucket]!;
      for (let k = 0; k < n; k++) observe.observe(seconds);
    });
  }

  /** A host that lost its place: its series end, and its traffic goes to `_other` from now on. */
  private forget(host: string): void {
    for (const metric of [this.limit, this.share, this.inflight, this.pacing, this.backlog, this.blockedUntil, this.ttfb, this.bytes, this.retries]) {
      metric.remove({ host });
    }
    for (const outcome of [...OUTCOME_CLASSES, BEFORE_CUT]) this.requests.remove({ host, outcome });
  }
}
