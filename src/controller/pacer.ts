/**
 * Request pacing for hosts that answered 429. A concurrency limit alone cannot follow a host that
 * limits its request rate (a token bucket), so after a 429 the adaptive policy also paces the host:
 * just under the rate it was actually serving, then slowly upwards while no 429 comes back.
 */

/** Share of the paced rate a host must actually have used for the pacer to count as the bottleneck. */
const BINDING_SHARE = 0.9;

export class Pacer {
  /** Requests per second, 0 when the host is not paced. */
  rate = 0;

  constructor(
    private readonly startFraction: number,
    private readonly growth: number,
  ) {}

  get active(): boolean {
    return this.rate > 0;
  }

  /**
   * Starts (or restarts) pacing after a 429 from the rate the host served in the epoch. Without any
   * served request there is no rate to start from: an active pacer is cut by `cut` instead.
   */
  start(servedPerSecond: number, cut: number): void {
    if (servedPerSecond > 0) this.rate = this.startFraction * servedPerSecond;
    else this.rate *= cut;
  }

  /** Raises the rate after an epoch without 429. */
  raise(): void {
    this.rate *= this.growth;
  }

  /** True when requests were started at (nearly) the paced rate, so the pacer held them back. */
  binding(startedPerSecond: number): boolean {
    return this.active && startedPerSecond >= BINDING_SHARE * this.rate;
  }

  /** Stops pacing once the rate is above what `limit` requests of `latencyMs` each could reach anyway. */
  releaseIfRedundant(limit: number, latencyMs: number): void {
    if (this.active && this.rate * (latencyMs / 1000) > limit) this.rate = 0;
  }
}
