/**
 * Circuit breaker for hosts that do not answer at all. Instead of hammering a host whose every
 * request fails to connect or times out, the host is paused; after the pause one probe request is
 * allowed (half-open). An answer closes the breaker; another failure pauses it twice as long.
 * Only outcomes of the current generation are looked at, and opening bumps the generation (the
 * caller does that), so failures of requests sent before the pause do not count against the probe.
 */
import { answered, onlyUnreachable } from './signals.js';
import type { HostEpochStats } from './types.js';

export type BreakerTransition = 'opened' | 'closed';

export class CircuitBreaker {
  private pausedUntil = 0;
  /** Consecutive openings without an answer in between; 0 when closed. */
  private openings = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  get isClosed(): boolean {
    return this.openings === 0;
  }

  /** Feeds one epoch's statistics and reports a change of state, if any. */
  observe(stats: HostEpochStats, nowMs: number): BreakerTransition | undefined {
    if (this.isClosed) {
      if (!onlyUnreachable(stats)) return undefined;
      this.open(nowMs);
      return 'opened';
    }
    if (answered(stats)) {
      this.openings = 0;
      this.pausedUntil = 0;
      return 'closed';
    }
    if (onlyUnreachable(stats)) {
      this.open(nowMs);
      return 'opened';
    }
    return undefined;
  }

  /** Time before which the host is paused, or 0 when it is not (closed, or half-open). */
  blockedUntil(nowMs: number): number {
    return this.pausedUntil > nowMs ? this.pausedUntil : 0;
  }

  private open(nowMs: number): void {
    this.openings += 1;
    this.pausedUntil = nowMs + Math.min(this.maxMs, this.baseMs * 2 ** (this.openings - 1));
  }
}
