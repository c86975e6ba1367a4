/**
 * Admission for one host: a token bucket in front (like a reverse proxy's rate limit), then
 * `capacity` service slots with a FIFO queue of at most `queueLimit` waiting requests behind them.
 * Plain data and a caller-supplied clock, no timers, so the queueing rules are easy to reason about.
 */
import type { TokenBucket } from './host-spec.js';

/** A request as the gate sees it; the gate only tracks where it is. */
export interface GateEntry {
  gateState: 'new' | 'queued' | 'serving' | 'done';
}

export type Admission = 'serve' | 'queued' | 'overload' | 'rate-limited';

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly spec: TokenBucket,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) / 1000) * this.spec.ratePerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class HostGate<E extends GateEntry> {
  private serving = 0;
  private queued = 0;
  // Array plus head index: shift() is O(n) on long queues. Cancelled entries are skipped lazily.
  private queue: E[] = [];
  private head = 0;
  private readonly bucket: Bucket | undefined;

  constructor(
    private readonly capacity: number,
    private readonly queueLimit: number,
    rateLimit: TokenBucket | undefined,
    now: number,
  ) {
    this.bucket = rateLimit ? new Bucket(rateLimit, now) : undefined;
  }

  get inService(): number {
    return this.serving;
  }

  get waiting(): number {
    return this.queued;
  }

  admit(entry: E, now: number): Admission {
    if (this.bucket && !this.bucket.take(now)) {
      entry.gateState = 'done';
      return 'rate-limited';
    }
    if (this.serving < this.capacity) {
      this.serving++;
      entry.gateState = 'serving';
      return 'serve';
    }
    if (this.queued < this.queueLimit) {
      this.queued++;
      entry.gateState = 'queued';
      this.queue.push(entry);
      return 'queued';
    }
    entry.gateState = 'done';
    return 'overload';
  }

  /**
   * The entry is finished or abandoned. Returns the queued entry that takes over its slot, if any;
   * the caller starts serving it.
   */
  leave(entry: E): E | undefined {
    const was = entry.gateState;
    entry.gateState = 'done';
    if (was === 'queued') {
      this.queued--;
      this.dropCancelledIfMostly();
      return undefined;
    }
    if (was !== 'serving') return undefined;
    this.serving--;
    const next = this.dequeue();
    if (next) {
      this.serving++;
      next.gateState = 'serving';
    }
    return next;
  }

  private dequeue(): E | undefined {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head++]!;
      if (entry.gateState === 'queued') {
        this.queued--;
        this.compactIfSparse();
        return entry;
      }
    }
    this.queue = [];
    this.head = 0;
    return undefined;
  }

  /** Abandoned entries hold their requests in memory until dequeued; purge them when they dominate. */
  private dropCancelledIfMostly(): void {
    if (this.queue.length - this.head > 2 * this.queued + 64) {
      this.queue = this.queue.slice(this.head).filter((e) => e.gateState === 'queued');
      this.head = 0;
    }
  }

  private compactIfSparse(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
