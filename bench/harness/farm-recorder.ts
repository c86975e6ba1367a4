/**
 * Watches the farm during one run. Two things need more than the farm's end-of-run report:
 * - throughput over time: the farm's cumulative 200 answers, polled;
 * - the peak in-flight count after the client's first seconds (startup overshoot is reported apart):
 *   the farm only keeps an all-time peak, so its statistics are taken and reset at that moment, and
 *   the run's figures add up the two phases (every counter and histogram is additive).
 */
import type { Farm, FarmReport } from '../farm/index.js';

/** Cumulative count since the recorder started, at one moment. */
export interface ThroughputSample {
  /** Wall-clock ms. */
  readonly atMs: number;
  /** HTTP 200 answers the farm sent. */
  readonly ok: number;
}

export interface FarmRecord {
  /** Wall-clock ms at which the farm's counters started (time 0 of `early`'s series, or `late`'s without a split). */
  readonly startMs: number;
  /** Wall-clock ms of the split (time 0 of `late`'s series); null when the run ended before it. */
  readonly splitMs: number | null;
  readonly samples: readonly ThroughputSample[];
  /** Statistics before the split; null without a split. */
  readonly early: FarmReport | null;
  /** Statistics after the split (the whole run without one). */
  readonly late: FarmReport;
}

/** Polling costs the farm's process time (a full report each time), so it slows down for big farms. */
const MIN_POLL_MS = 250;
const MAX_POLL_MS = 5000;
const POLL_COST_FACTOR = 20;

function okAnswers(report: FarmReport): number {
  return report.totals.statuses['200'] ?? 0;
}

export class FarmRecorder {
  private readonly samples: ThroughputSample[] = [];
  private startMs = 0;
  private splitMs: number | null = null;
  private early: FarmReport | null = null;
  private okOffset = 0;
  private poller: NodeJS.Timeout | undefined;
  private splitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly farm: Farm,
    /** How long after the client's start the split happens, ms. */
    private readonly splitAfterMs: number,
  ) {}

  start(): void {
    const t = performance.now();
    this.farm.stats({ series: false });
    const pollMs = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, POLL_COST_FACTOR * (performance.now() - t)));
    this.farm.resetStats();
    this.startMs = Date.now();
    this.samples.push({ atMs: this.startMs, ok: 0 });
    this.poller = setInterval(() => this.sample(this.farm.stats({ series: false })), pollMs);
  }

  /** The client began downloading at `startMs` (wall clock). */
  clientStarted(startMs: number): void {
    this.splitTimer = setTimeout(() => this.split(), Math.max(0, startMs + this.splitAfterMs - Date.now()));
  }

  finish(): FarmRecord {
    this.stop();
    const late = this.farm.stats();
    this.sample(late);
    return { startMs: this.startMs, splitMs: this.splitMs, samples: this.samples, early: this.early, late };
  }

  /** Stops watching; safe to call more than once. */
  stop(): void {
    clearInterval(this.poller);
    clearTimeout(this.splitTimer);
  }

  private sample(report: FarmReport): void {
    this.samples.push({ atMs: Date.now(), ok: this.okOffset + okAnswers(report) });
  }

  private split(): void {
    const early = this.farm.stats();
    this.farm.resetStats();
    this.splitMs = Date.now();
    this.early = early;
    this.okOffset = okAnswers(early);
  }
}
