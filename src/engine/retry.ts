/**
 * When to retry a failed download and when: only transient failures (429, 408, 5xx, timeouts,
 * resets), at most `max_retries` times, after an exponential backoff with full jitter, and never
 * before the server's Retry-After.
 */
import type { EngineError } from './errors.js';
import type { EngineOptions } from './options.js';

/**
 * Absolute time (ms since the Unix epoch) named by a Retry-After header — delay-seconds or an
 * HTTP-date — or 0 when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return 0;
  if (/^\d+$/.test(text)) return nowMs + Number(text) * 1000;
  const date = Date.parse(text);
  // An HTTP-date always names a weekday and "GMT"; this refuses stray numbers Date.parse accepts.
  if (Number.isNaN(date) || !/GMT$/i.test(text)) return 0;
  return Math.max(date, nowMs);
}

export type RetryOptions = Pick<EngineOptions, 'max_retries' | 'backoff_base_ms' | 'backoff_max_ms' | 'max_retry_after_ms'>;

export class RetryPolicy {
  constructor(
    private readonly options: RetryOptions,
    /** Uniform in [0, 1); injectable so tests can pin the jitter. */
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The time (absolute ms) before which the next attempt must not start, or null when the failure
   * is final. `retriesDone` counts the retries already made (0 after the first attempt).
   */
  nextAttemptAt(error: EngineError, retriesDone: number, nowMs: number): number | null {
    if (!error.transient || retriesDone >= this.options.max_retries) return null;
    const ceiling = Math.min(this.options.backoff_max_ms, this.options.backoff_base_ms * 2 ** retriesDone);
    const backoff = this.random() * ceiling;
    const serverWait = error.retryAfterUntil > 0 ? error.retryAfterUntil - nowMs : 0;
    if (serverWait > this.options.max_retry_after_ms) return null;
    return nowMs + Math.max(backoff, serverWait);
  }
}
