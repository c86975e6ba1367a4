/**
 * How late this process's event loop runs: the client's own share of every TTFB it measures. A
 * response whose headers arrive while the loop is busy (image processing, Parquet writing, a
 * saturated CPU) waits for it, and the TTFB taken then includes the wait. The controller takes it
 * out before comparing latencies, so that the client's load is not mistaken for the server's: a
 * fast host's TTFB can triple on a busy client while the host itself is idle.
 *
 * A ticker measures how late each of its turns comes, and a reading between turns also counts a
 * turn that is overdue: either way the I/O callbacks that waited through a long turn see its length.
 */

/** The ticker's period, ms. */
const PERIOD_MS = 5;

class Ticker {
  private lateMs = 0;
  private due = performance.now() + PERIOD_MS;

  constructor() {
    // Unreferenced: the ticker never keeps the process alive.
    setInterval(() => this.tick(), PERIOD_MS).unref();
  }

  /**
   * The lateness of its latest turn, or of the turn it is overdue for: after a long callback Node
   * may run the I/O that waited for it before the timers that fell due meanwhile.
   */
  get lag(): number {
    return Math.max(this.lateMs, performance.now() - this.due);
  }

  private tick(): void {
    const now = performance.now();
    this.lateMs = Math.max(0, now - this.due);
    this.due = now + PERIOD_MS;
  }
}

let ticker: Ticker | undefined;

/** How late the event loop's latest turn came, ms: about what a callback running now waited. */
export function loopLagMs(): number {
  ticker ??= new Ticker();
  return ticker.lag;
}
