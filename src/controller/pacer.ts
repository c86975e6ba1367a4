/**
 * Request pacing for hosts that answered 429. A concurrency limit alone cannot follow a host that
 * limits its request rate (a token bucket), so after a 429 the adaptive policy also paces the host:
 * just under the rate it was actually serving, then upwards while no 429 comes back, slowly near
 * the rate that last drew one.
 */

/** Share of the paced rate a host must actually have used for the pacer to count as the bottleneck. */
const BINDING_SHARE = 0.9;

/** Within this share of the rate that last drew a 429 the pacer creeps up instead of growing. */
const NEAR_CEILING = 0.95;
/** Near that rate the growth per epoch is this share of the usual one. */
const CREEP = 0.25;

export class Pacer {
  /** Requests per second, 0 when the host is not paced. */
  rate = 0;
  /**
   * The paced rate that last drew a 429, 0 when unknown. Every 429 costs a host that sends
   * Retry-After its whole pause, so the pacer comes back to that rate slowly instead of hitting the
   * bucket again within a few epochs; once well past it without a 429 it is forgotten.
   */
  private ceiling = 0;

  constructor(
    private readonly startFraction: number,
    private readonly growth: number,
  ) {}

  get active(): boolean {
    return this.rate > 0;
  }

  /**
   * Starts pacing after a 429, just under the rate the host served in the epoch. An active pacer
   * already knows a rate that was too high: its own. Cutting that is safer than the served rate,
   * which Retry-After pauses shrink far below what the host allows. With neither, nothing paces.
   */
  start(servedPerSecond: number): void {
    if (this.active) {
      this.ceiling = this.rate;
      this.rate *= this.startFraction;
    } else if (servedPerSecond > 0) {
      this.ceiling = servedPerSecond;
      this.rate = this.startFraction * servedPerSecond;
    }
  }

  /** Raises the rate after an epoch without 429: slowly near the rate that last drew one. */
  raise(): void {
    if (this.ceiling > 0 && this.rate > this.ceiling / this.startFraction) this.ceiling = 0;
    const near = this.ceiling > 0 && this.rate >= NEAR_CEILING * this.ceiling;
    this.rate *= near ? 1 + (this.growth - 1) * CREEP : this.growth;
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
