/**
 * Dividing a host's global decision among the ranks that work on it (DESIGN §6). Each rank asks for
 * min(backlog, cap); the limit L is shared max-min fairly by those demands: ranks asking for less
 * than an equal part get all they ask for, the others split the rest equally. Integer shares come
 * from the largest-remainder rule; since every uncapped rank has the same remainder, that is a tie,
 * broken by a rotation that moves with the epoch so no rank keeps the odd request. The shares never
 * add up to more than L. Every rank computes all shares from the same inputs and takes its own.
 */
import type { HostDecision, HostShare } from './types.js';

/**
 * Shares of `decision` for ranks 0..n−1 with the given demands (whole requests; anything else is
 * floored, negatives count as 0). The pacing rate is divided in proportion to the shares.
 */
export function splitDecision(decision: HostDecision, demands: readonly number[], epoch: number): HostShare[] {
  const limits = splitLimit(Math.max(0, Math.floor(decision.limit)), demands, epoch);
  const total = limits.reduce((a, b) => a + b, 0);
  return limits.map((limit) => ({
    limit,
    pacingRate: total > 0 ? (decision.pacingRate * limit) / total : 0,
    blockedUntil: decision.blockedUntil,
    generation: decision.generation,
  }));
}

/** Max-min fair integer split of `limit` by `demands`; ties rotate with `epoch`. */
export function splitLimit(limit: number, demands: readonly number[], epoch: number): number[] {
  const n = demands.length;
  const want = demands.map((d) => (d > 0 ? Math.floor(d) : 0));
  const shares = new Array<number>(n).fill(0);
  // Water-filling: serve the smallest demands in full while they fit under an equal part of the rest.
  const order = want.map((_, i) => i).sort((a, b) => want[a]! - want[b]! || a - b);
  let left = limit;
  let k = 0;
  while (k < n && want[order[k]!]! * (n - k) <= left) {
    shares[order[k]!] = want[order[k]!]!;
    left -= want[order[k]!]!;
    k += 1;
  }
  if (k === n) return shares;
  // The rest all want more than an equal part: each gets the floor, the remainder goes round-robin.
  const uncapped = new Array<boolean>(n).fill(false);
  for (const i of order.slice(k)) uncapped[i] = true;
  const equal = Math.floor(left / (n - k));
  let extra = left - equal * (n - k);
  const start = ((epoch % n) + n) % n;
  for (let step = 0; step < n; step++) {
    const i = (start + step) % n;
    if (!uncapped[i]) continue;
    shares[i] = equal + (extra > 0 ? 1 : 0);
    extra -= 1;
  }
  return shares;
}
