/**
 * Seeded pseudo-random numbers, so that a scenario and its seed always give the same hosts, URLs and
 * service-time draws. splitmix32 is tiny, fast and good enough for workload generation.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** Log-uniform in [lo, hi]: equal odds per order of magnitude. */
  logUniform(lo: number, hi: number): number;
  /** Standard normal draw. */
  normal(): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/** The splitmix32 output function: a bijective 32-bit scramble. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    logUniform: (lo, hi) => lo * Math.pow(hi / lo, next()),
    // Box-Muller; 1 - next() keeps the log argument away from zero.
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** A seed for a sub-stream (one host, one purpose) that does not overlap its siblings. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mix32(seed);
  for (const p of parts) h = mix32(h + 0x9e3779b9 + (p >>> 0));
  return h;
}
