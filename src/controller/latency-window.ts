/**
 * Latency evidence for the adaptive policy. A busy host yields a reading every epoch; a quiet one
 * accumulates epochs until it has enough TTFB samples, and a reading too noisy to decide on may
 * gather more. The baseline is the unloaded median, pooled from recent readings.
 *
 * A median from a few dozen samples is noisy, so each comes with the standard error of its
 * logarithm (estimated from the histogram's interquartile spread), and the policy acts on a
 * reading only when it differs from the baseline by more than their combined noise allows. The
 * lowest of thirty noisy medians is far below the true one: compared with it, every later reading
 * would look inflated and the limit would collapse. So the baseline is not the lowest median but
 * the precision-weighted average of the readings taken below the limit where latency first rises
 * clearly. Busy hosts get precise readings and precise control; quiet hosts get noisy ones and are
 * left alone unless the evidence is clear.
 */
import { emptyHistogram, histogramCount, mergeInto, quantile } from './histogram.js';
import { clientBusyShare, servedCount } from './signals.js';
import type { HostEpochStats } from './types.js';

/** Asymptotic standard deviation of a sample median is this times σ/√n (√(π/2)). */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);
/** Interquartile range of a normal distribution in standard deviations. */
const NORMAL_IQR = 1.349;
/**
 * Floor of a median's standard error (in log terms): samples that all fall into one or two narrow
 * buckets would otherwise claim a precision the histogram cannot give, and weigh infinitely.
 */
const MIN_LOG_SE = 0.002;

/** Standard deviation of ln TTFB from its quartiles, taking the logs as normal. */
export function quartileLogSigma(q25: number, q75: number): number {
  return Math.log(q75 / q25) / NORMAL_IQR;
}

/** Standard error of the log of a median of `samples` TTFBs whose logs have standard deviation `sigma`. */
export function medianLogSe(sigma: number, samples: number): number {
  return (MEDIAN_SE_FACTOR * sigma) / Math.sqrt(samples);
}

/** What one latency decision is based on: a window of one or more epochs. */
export interface LatencyReading {
  /** Median TTFB in milliseconds. */
  p50: number;
  /** Standard error of the median's natural logarithm. */
  logSe: number;
  /** Whether the window reached min_samples (only such windows may move the baseline). */
  full: boolean;
  /**
   * The window's first reading. The baseline takes first readings, which are taken at the same point
   * whatever comes of them (the readings windows end on would leave it mostly the extreme ones, those
   * that decided at once), and the reading of a window that ran out undecided (the adaptive policy
   * says why).
   */
  first: boolean;
  /** Share of rank-time spent demand-limited over the window. */
  demandLimited: number;
  /**
   * Share of rank-time the ranks' event loops were busy, in the busiest epoch of the window (1: the
   * client was the bottleneck). The busiest, not the mean: a quiet host's window spans several
   * epochs, and the samples of one saturated epoch (the client stalled on writing) are in its median.
   */
  clientBusy: number;
  /** Time-averaged requests in flight (all ranks) over the limit in force, averaged over the window. */
  utilisation: number;
  /** Time-averaged requests in flight, all ranks together. */
  inflight: number;
  /** Requests answered without complaint per second. */
  throughput: number;
}

export class LatencyWindow {
  private hist = emptyHistogram();
  private epochs = 0;
  private demandSeconds = 0;
  private busiest = 0;
  private epochSeconds = 0;
  private inflight = 0;
  private limits = 0;
  private served = 0;
  private seconds = 0;
  private read = false;

  constructor(
    private readonly minSamples: number,
    private readonly maxEpochs: number,
  ) {}

  /**
   * Adds an epoch of `seconds` run under `limit` and, once the window has enough samples or has
   * lasted maxEpochs, returns its reading. The window stays open until reset(), so a caller that
   * cannot decide on a reading yet may let it gather more epochs (see extendable). A window that
   * lasted maxEpochs without any sample is dropped unread.
   */
  add(stats: HostEpochStats, limit: number, seconds: number): LatencyReading | undefined {
    mergeInto(this.hist, stats.ttfbHist);
    this.epochs += 1;
    this.served += servedCount(stats);
    this.seconds += seconds;
    this.demandSeconds += stats.demandLimitedSeconds;
    this.busiest = Math.max(this.busiest, clientBusyShare(stats));
    this.epochSeconds += stats.epochSeconds;
    this.inflight += stats.inflightAvg;
    this.limits += limit;
    const samples = histogramCount(this.hist);
    if (samples < this.minSamples && this.extendable) return undefined;
    if (samples === 0) {
      this.reset();
      return undefined;
    }
    const reading = this.reading(samples);
    this.read = true;
    return reading;
  }

  /** Whether the window may take another epoch before it must be read. */
  get extendable(): boolean {
    return this.epochs < this.maxEpochs;
  }

  private reading(samples: number): LatencyReading {
    // TTFBs are roughly log-normal, so the spread and the error are taken in log space.
    const sigma = quartileLogSigma(quantile(this.hist, 0.25), quantile(this.hist, 0.75));
    return {
      p50: quantile(this.hist, 0.5),
      logSe: Math.max(MIN_LOG_SE, medianLogSe(sigma, samples)),
      full: samples >= this.minSamples,
      first: !this.read,
      demandLimited: this.epochSeconds > 0 ? this.demandSeconds / this.epochSeconds : 0,
      clientBusy: this.busiest,
      utilisation: this.limits > 0 ? this.inflight / this.limits : 0,
      inflight: this.inflight / this.epochs,
      throughput: this.served / this.seconds,
    };
  }

  /** Forgets what was accumulated: after a decision, a cut, or when the host went idle. */
  reset(): void {
    this.hist = emptyHistogram();
    this.epochs = 0;
    this.demandSeconds = 0;
    this.busiest = 0;
    this.epochSeconds = 0;
    this.inflight = 0;
    this.limits = 0;
    this.served = 0;
    this.seconds = 0;
    this.read = false;
  }
}

/** A median and its standard error, in log terms: what the baseline is made of and what it gives. */
export interface LogEstimate {
  /** Milliseconds. */
  ms: number;
  /** Standard error of ln(ms). */
  logSe: number;
}

/** A full reading in the baseline's history. */
interface Median extends LogEstimate {
  /** The whole limit it was taken under. */
  limit: number;
}

/** The readings a baseline is pooled from, and the pool. */
interface Pool {
  ceiling: number;
  peers: Median[];
  estimate: LogEstimate;
}

/**
 * The unloaded median TTFB, from the last `size` full readings and the limits they were taken
 * under. A host's latency can only rise with its limit, and stays flat up to its capacity. So the
 * readings are pooled limit by limit from the lowest upwards, each limit's readings joining while
 * they are not clearly above the pool so far (by `confidence` combined standard errors); the first
 * limit that is marks queueing, and it and all above stay out. Noise averages out within and
 * across the limits below capacity, while even precise readings of a slightly queued host (which
 * have the most samples, being taken at the highest limits) cannot drag the baseline up. Readings
 * at or above a limit where the host is known to queue (the caller's remembered ceiling) are left
 * out while there are others.
 */
export class Baseline {
  private readonly medians: Median[] = [];
  private cached: Pool | undefined;

  constructor(
    private readonly size: number,
    private readonly confidence: number,
  ) {}

  push(reading: LatencyReading, limit: number): void {
    this.medians.push({ ms: reading.p50, logSe: reading.logSe, limit });
    if (this.medians.length > this.size) this.medians.shift();
    this.cached = undefined;
  }

  /** The baseline and its standard error; undefined before the first full reading. */
  estimate(ceiling = Number.POSITIVE_INFINITY): LogEstimate | undefined {
    return this.pool(ceiling)?.estimate;
  }

  /**
   * True when the history is full and none of its newer half is in the pool: the baseline rests on
   * old readings only. A host held at its limit never runs without queueing, so nothing would
   * replace them, and the pool would slide up to readings of a queued host.
   */
  expiring(ceiling = Number.POSITIVE_INFINITY): boolean {
    if (this.medians.length < this.size) return false;
    const peers = this.pool(ceiling)?.peers ?? [];
    return !this.medians.slice(Math.floor(this.size / 2)).some((m) => peers.includes(m));
  }

  private pool(ceiling: number): Pool | undefined {
    if (this.medians.length === 0) return undefined;
    if (this.cached?.ceiling === ceiling) return this.cached;
    const below = this.medians.filter((m) => m.limit < ceiling);
    const candidates = below.length > 0 ? below : this.medians;
    const limits = [...new Set(candidates.map((m) => m.limit))].sort((a, b) => a - b);
    let peers = candidates.filter((m) => m.limit === limits[0]);
    let estimate = pooled(peers);
    for (const limit of limits.slice(1)) {
      const group = candidates.filter((m) => m.limit === limit);
      const level = pooled(group);
      if (Math.log(level.ms / estimate.ms) > this.confidence * Math.hypot(level.logSe, estimate.logSe)) break;
      peers = peers.concat(group);
      estimate = pooled(peers);
    }
    this.cached = { ceiling, peers, estimate };
    return this.cached;
  }
}

/** Precision-weighted mean of log medians. */
function pooled(medians: readonly LogEstimate[]): LogEstimate {
  let weights = 0;
  let sum = 0;
  for (const m of medians) {
    const w = 1 / (m.logSe * m.logSe);
    weights += w;
    sum += w * Math.log(m.ms);
  }
  return { ms: Math.exp(sum / weights), logSe: 1 / Math.sqrt(weights) };
}
