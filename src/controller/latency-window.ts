/**
 * Latency evidence for the adaptive policy. A busy host yields a decision every epoch; a quiet one
 * accumulates epochs until it has enough TTFB samples. The baseline is the lowest recent median
 * from windows that had enough samples.
 *
 * A median from a few dozen samples is noisy, and the lowest of thirty noisy medians is far below
 * the true one: compared with it, every later window would look inflated and the limit would
 * collapse. So each median comes with a confidence band from its standard error (estimated from
 * the histogram's interquartile spread): the baseline takes the upper end of each window's band,
 * which about cancels the bias of taking the lowest, and the policy acts on a reading only when
 * its whole band is on one side of the threshold. Busy hosts get narrow bands and precise control;
 * quiet hosts get wide bands and are left alone unless the evidence is clear.
 */
import { emptyHistogram, histogramCount, mergeInto, quantile } from './histogram.js';
import type { HostEpochStats } from './types.js';

/** Asymptotic standard deviation of a sample median is this times σ/√n (√(π/2)). */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);
/** Interquartile range of a normal distribution in standard deviations. */
const NORMAL_IQR = 1.349;

/** A closed window: what one latency decision is based on. */
export interface LatencyReading {
  /** Median TTFB in milliseconds. */
  p50: number;
  /** Lower end of the median's confidence band, ms. */
  low: number;
  /** Upper end of the median's confidence band, ms. */
  high: number;
  /** Whether the window reached min_samples (only such windows may move the baseline). */
  full: boolean;
  /** Share of rank-time spent demand-limited over the window. */
  demandLimited: number;
}

export class LatencyWindow {
  private hist = emptyHistogram();
  private epochs = 0;
  private demandSeconds = 0;
  private epochSeconds = 0;

  constructor(
    private readonly minSamples: number,
    private readonly maxEpochs: number,
    /** Half-width of the confidence band in standard errors. */
    private readonly confidence: number,
  ) {}

  /**
   * Adds an epoch and, when the window has enough samples or has lasted maxEpochs, closes it and
   * returns its reading. A window that lasted maxEpochs without any sample is dropped unread.
   */
  add(stats: HostEpochStats): LatencyReading | undefined {
    mergeInto(this.hist, stats.ttfbHist);
    this.epochs += 1;
    this.demandSeconds += stats.demandLimitedSeconds;
    this.epochSeconds += stats.epochSeconds;
    const samples = histogramCount(this.hist);
    if (samples < this.minSamples && this.epochs < this.maxEpochs) return undefined;
    const reading = samples > 0 ? this.read(samples) : undefined;
    this.reset();
    return reading;
  }

  private read(samples: number): LatencyReading {
    const p50 = quantile(this.hist, 0.5);
    // TTFBs are roughly log-normal, so the spread and the band are taken in log space.
    const sigma = Math.log(quantile(this.hist, 0.75) / quantile(this.hist, 0.25)) / NORMAL_IQR;
    const band = Math.exp((this.confidence * MEDIAN_SE_FACTOR * sigma) / Math.sqrt(samples));
    return {
      p50,
      low: p50 / band,
      high: p50 * band,
      full: samples >= this.minSamples,
      demandLimited: this.epochSeconds > 0 ? this.demandSeconds / this.epochSeconds : 0,
    };
  }

  /** Forgets what was accumulated: after a cut, or when the host went idle. */
  reset(): void {
    this.hist = emptyHistogram();
    this.epochs = 0;
    this.demandSeconds = 0;
    this.epochSeconds = 0;
  }
}

/** The lowest of the last `size` full-window medians. */
export class Baseline {
  private readonly medians: number[] = [];

  constructor(private readonly size: number) {}

  push(p50: number): void {
    this.medians.push(p50);
    if (this.medians.length > this.size) this.medians.shift();
  }

  /** The baseline in milliseconds, or undefined before the first full window. */
  get value(): number | undefined {
    return this.medians.length === 0 ? undefined : Math.min(...this.medians);
  }

  /** True when the next push drops the only window that holds the current baseline. */
  get expiring(): boolean {
    const min = this.value;
    return this.medians.length >= this.size && min !== undefined && this.medians.lastIndexOf(min) === 0;
  }
}
