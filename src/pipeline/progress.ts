/**
 * Progress of long stages: on a terminal a live line (share done, rate, ETA); otherwise a plain log
 * line now and then, so batch-job logs stay readable.
 */
export interface ProgressHandle {
  /** `fraction` of the work is done; `count` items (rows, batches, …) so far; `detail` is shown after. */
  update(fraction: number, count: number, detail?: string): void;
  done(count: number): void;
}

export interface ProgressOptions {
  /** Live updating line (a TTY) instead of periodic plain lines. Default: whether stderr is a TTY. */
  live?: boolean;
  /** Seconds between plain lines when not live. Default 10. */
  plainIntervalSeconds?: number;
  /** Where lines go. Default: process.stderr. */
  write?: (text: string) => void;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

function amount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export class ProgressReporter {
  private readonly live: boolean;
  private readonly intervalMs: number;
  private readonly write: (text: string) => void;
  private readonly now: () => number;

  constructor(opts: ProgressOptions = {}) {
    this.live = opts.live ?? Boolean(process.stderr.isTTY);
    this.intervalMs = (opts.plainIntervalSeconds ?? 10) * 1000;
    this.write = opts.write ?? ((t) => void process.stderr.write(t));
    this.now = opts.now ?? Date.now;
  }

  start(label: string, unit = 'rows'): ProgressHandle {
    const started = this.now();
    // Plain lines wait a full interval: a stage that ends quickly prints only its "done" line.
    let last = this.live ? 0 : started;
    const line = (fraction: number, count: number, detail?: string) => {
      const elapsed = (this.now() - started) / 1000;
      const rate = elapsed > 0 ? count / elapsed : 0;
      const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY;
      const text = `${label}: ${(fraction * 100).toFixed(1)}% ${amount(count)} ${unit} ${amount(rate)} ${unit}/s ETA ${duration(eta)}`;
      return detail ? `${text} | ${detail}` : text;
    };
    return {
      update: (fraction, count, detail) => {
        const t = this.now();
        if (this.live ? t - last < 200 : t - last < this.intervalMs) return;
        last = t;
        this.write(this.live ? `\r\x1b[2K${line(fraction, count, detail)}` : `${line(fraction, count, detail)}\n`);
      },
      done: (count) => {
        const elapsed = (this.now() - started) / 1000;
        const text = `${label}: done, ${amount(count)} ${unit} in ${duration(elapsed)}`;
        this.write(this.live ? `\r\x1b[2K${text}\n` : `${text}\n`);
      },
    };
  }
}
