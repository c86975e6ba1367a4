/**
 * Honouring Retry-After. Every rank must compute the same block, so the jitter that keeps many
 * blocked hosts (and other clients) from resuming in lockstep is derived from the host name and the
 * requested time instead of a random number.
 */

/** 32-bit FNV-1a hash of a string: cheap, stable across platforms and runs. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class RetryAfterGate {
  private until = 0;

  constructor(
    private readonly host: string,
    private readonly capMs: number,
    private readonly jitterMs: number,
  ) {}

  /** Takes the epoch's retryAfterUntil (max over ranks) into account. */
  observe(retryAfterUntil: number, nowMs: number): void {
    if (!(retryAfterUntil > nowMs)) return;
    const target = Math.min(retryAfterUntil, nowMs + this.capMs);
    const jitter = this.jitterMs > 0 ? fnv1a(`${this.host}@${Math.round(target)}`) % Math.ceil(this.jitterMs) : 0;
    this.until = Math.max(this.until, target + jitter);
  }

  /** Time before which no request may go to the host, or 0 once that time has passed. */
  blockedUntil(nowMs: number): number {
    return this.until > nowMs ? this.until : 0;
  }
}
