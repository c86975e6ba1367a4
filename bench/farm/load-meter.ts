/**
 * In-flight accounting for one host (or the whole farm): the current count, its peak, its time
 * average (the integral of in-flight over time divided by the elapsed time), the time average of the
 * part beyond the host's capacity (requests waiting in its queue), and a bounded time series
 * of the average over each sampling period. When the series is full, neighbouring samples are averaged
 * pairwise and the period doubles, so a run of any length fits in the same memory.
 */

export interface LoadSeries {
  /** Period each value averages over, ms. */
  readonly intervalMs: number;
  /** Time-averaged in-flight per period, oldest first. */
  readonly values: number[];
}

export class LoadMeter {
  current = 0;
  peak = 0;
  private area = 0;
  /** Integral of max(0, current − capacity) over time. */
  private queuedArea = 0;
  private lastChange: number;
  private since: number;
  private readonly series: Float32Array;
  private seriesLength = 0;
  /** Sampler ticks folded into one series value; doubles at every compaction. */
  private stride = 1;
  private ticks = 0;
  private periodStart: number;
  private periodStartArea = 0;

  constructor(
    now: number,
    private readonly tickMs: number,
    seriesCapacity: number,
    /** Requests served at once; beyond it they queue. Infinity (the default) for the farm's totals. */
    private readonly capacity = Number.POSITIVE_INFINITY,
  ) {
    this.lastChange = now;
    this.since = now;
    this.periodStart = now;
    // An even capacity keeps pairwise compaction exact.
    this.series = new Float32Array(Math.max(2, seriesCapacity + (seriesCapacity % 2)));
  }

  up(now: number): void {
    this.advance(now);
    this.current++;
    if (this.current > this.peak) this.peak = this.current;
  }

  down(now: number): void {
    this.advance(now);
    this.current--;
  }

  /** Time-averaged in-flight since construction or the last reset. */
  average(now: number): number {
    return this.timeAverage(this.area, this.current, now);
  }

  /** Time-averaged number of requests beyond the capacity since construction or the last reset. */
  queuedAverage(now: number): number {
    return this.timeAverage(this.queuedArea, this.queuedNow(), now);
  }

  /** Called by the farm's sampler every `tickMs`. */
  tick(now: number): void {
    if (++this.ticks < this.stride) return;
    if (this.seriesLength === this.series.length) {
      this.compact();
      // The open period now spans the doubled stride.
      if (this.ticks < this.stride) return;
    }
    this.ticks = 0;
    const area = this.areaAt(now);
    const elapsed = now - this.periodStart;
    this.series[this.seriesLength++] = elapsed > 0 ? (area - this.periodStartArea) / elapsed : this.current;
    this.periodStart = now;
    this.periodStartArea = area;
  }

  seriesSnapshot(): LoadSeries {
    return {
      intervalMs: this.tickMs * this.stride,
      values: Array.from(this.series.subarray(0, this.seriesLength), (v) => Math.round(v * 1000) / 1000),
    };
  }

  /** Forgets history; requests still in flight stay counted. */
  reset(now: number): void {
    this.peak = this.current;
    this.area = 0;
    this.queuedArea = 0;
    this.lastChange = now;
    this.since = now;
    this.seriesLength = 0;
    this.stride = 1;
    this.ticks = 0;
    this.periodStart = now;
    this.periodStartArea = 0;
  }

  private areaAt(now: number): number {
    return this.area + this.current * (now - this.lastChange);
  }

  /** `area` (up to the last change) plus `value` held since, over the time since the last reset. */
  private timeAverage(area: number, value: number, now: number): number {
    const elapsed = now - this.since;
    return elapsed > 0 ? (area + value * (now - this.lastChange)) / elapsed : value;
  }

  private queuedNow(): number {
    return Math.max(0, this.current - this.capacity);
  }

  private advance(now: number): void {
    this.area += this.current * (now - this.lastChange);
    this.queuedArea += this.queuedNow() * (now - this.lastChange);
    this.lastChange = now;
  }

  private compact(): void {
    const half = this.series.length / 2;
    for (let i = 0; i < half; i++) this.series[i] = (this.series[2 * i]! + this.series[2 * i + 1]!) / 2;
    this.seriesLength = half;
    this.stride *= 2;
  }
}
