/**
 * What the download driver reports as it goes, and the per-rank series it feeds: stored images,
 * errors by class, batches done and left, hosts held and blocked. Per-host series are HostMetrics'.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { HostMetrics, type EpochView } from './host-metrics.js';

/** The driver's side of the metrics; every call is cheap and synchronous. */
export interface DownloadMetrics {
  /** A round starts with this many batches for this rank. */
  roundStarted(round: number, batches: number): void;
  /** An item's final result: the successful body's size in bytes (0 for a failure) and the retries it took. */
  itemFinished(host: string, bodyBytes: number, retries: number): void;
  imageStored(): void;
  errorRecorded(errorClass: string): void;
  batchCompleted(): void;
  /** Once per epoch, after the shares for the next epoch are known. */
  epoch(view: EpochView): void;
  /** The round is over: this rank holds no host any more. */
  roundFinished(): void;
}

export class DownloadRecorder implements DownloadMetrics {
  private readonly hosts: HostMetrics;
  private readonly images: Counter;
  private readonly errors: Counter<'error_class'>;
  private readonly batchesDone: Counter;
  private readonly batchesLeft: Gauge;
  private readonly round: Gauge;
  private readonly hostsActive: Gauge;
  private readonly hostsBlocked: Gauge;

  constructor(registry: Registry, maxHosts: number) {
    const registers = [registry];
    this.hosts = new HostMetrics(registry, maxHosts);
    this.images = new Counter({ name: 'downloader_images_stored_total', help: 'Images downloaded and stored; rate() gives images per second.', registers });
    this.errors = new Counter({
      name: 'downloader_errors_total',
      help: 'Rows that ended as errors (errors.parquet), by error_class.',
      labelNames: ['error_class'],
      registers,
    });
    this.batchesDone = new Counter({ name: 'downloader_batches_completed_total', help: 'Batches this rank finished (completed marker written).', registers });
    this.batchesLeft = new Gauge({ name: 'downloader_batches_remaining', help: "Batches of this rank's current round not finished yet.", registers });
    this.round = new Gauge({ name: 'downloader_round', help: 'The current download round (0 is the first).', registers });
    this.hostsActive = new Gauge({ name: 'downloader_hosts_active', help: 'Hosts with work queued or in flight on this rank.', registers });
    this.hostsBlocked = new Gauge({ name: 'downloader_hosts_blocked', help: 'Hosts this rank may not send to now (Retry-After or circuit breaker).', registers });
  }

  roundStarted(round: number, batches: number): void {
    this.round.set(round);
    this.batchesLeft.set(batches);
  }

  itemFinished(host: string, bodyBytes: number, retries: number): void {
    this.hosts.itemFinished(host, bodyBytes, retries);
  }

  imageStored(): void {
    this.images.inc();
  }

  errorRecorded(errorClass: string): void {
    this.errors.inc({ error_class: errorClass });
  }

  batchCompleted(): void {
    this.batchesDone.inc();
    this.batchesLeft.dec();
  }

  epoch(view: EpochView): void {
    this.hosts.epoch(view);
    this.hostsActive.set(view.stats.size);
    let blocked = 0;
    for (const share of view.shares.values()) if (share.blockedUntil > view.nowMs) blocked++;
    this.hostsBlocked.set(blocked);
  }

  roundFinished(): void {
    this.hosts.clearGauges();
    this.hostsActive.set(0);
    this.hostsBlocked.set(0);
  }
}
