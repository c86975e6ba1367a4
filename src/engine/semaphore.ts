/** Counts permits for work whose concurrency must stay bounded (decoded images held in memory). */
export class Semaphore {
  private readonly waiters: (() => void)[] = [];
  private available: number;

  constructor(permits: number) {
    if (!(permits >= 1)) throw new RangeError(`Semaphore needs at least one permit, got ${permits}`);
    this.available = permits;
  }

  /** Runs `work` once a permit is free and releases the permit when it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the permit straight to the next waiter, so no newcomer can overtake it.
      const next = this.waiters.shift();
      if (next) next();
      else this.available++;
    }
  }
}
