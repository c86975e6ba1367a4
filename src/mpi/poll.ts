/**
 * Waiting for a non-blocking MPI operation from the event loop. Most epoch exchanges complete within
 * a few milliseconds, so the first ones are checked on every loop turn (setImmediate, which still
 * lets I/O through between checks); after that a timer spaces the checks out, so a rank waiting
 * long for a late one costs almost no CPU and keeps serving its sockets.
 */

/** Checked on every event-loop turn for this long. */
const SPIN_MS = 2;
/** Then every millisecond until this much time has passed, then every STEADY_MS. */
const FAST_MS = 100;
const STEADY_MS = 5;

/**
 * Resolves true once `done()` returns true, or false when `timeoutMs` (> 0) passes first; rejects
 * if `done` throws. `done` is also what drives MPI's progress, so it must be called repeatedly.
 */
export function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      let complete: boolean;
      try {
        complete = done();
      } catch (err) {
        reject(err);
        return;
      }
      if (complete) return resolve(true);
      const elapsed = performance.now() - start;
      if (timeoutMs > 0 && elapsed >= timeoutMs) return resolve(false);
      if (elapsed < SPIN_MS) setImmediate(check);
      else setTimeout(check, elapsed < FAST_MS ? 1 : STEADY_MS);
    };
    check();
  });
}
