/**
 * Dividing a host's global decision among the ranks that work on it (DESIGN §6). Each rank asks for
 * min(backlog, cap); the limit L is shared max-min fairly by those demands: ranks asking for less
 * than an equal part get all they ask for, the others split the rest equally. Integer shares come
 * from the largest-remainder rule; since every uncapped rank has the same remainder, that is a tie,
 * broken by a rotation that moves every TURN_EPOCHS epochs so no rank keeps the odd request (with
 * L below the number of ranks, the others would get nothing from the host). The shares never add up
 * to more than L. Every rank computes all shares from the same inputs and takes its own.
 *
 * A share cut takes effect only as the rank's requests complete, a share raised at once. So when the
 * odd request moves, the epoch of the turn gives it to nobody: the rank that had it drains first, and
 * the host never sees L + 1 at once, which on a small host is a large overshoot.
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

/** Epochs between turns of the tie rotation: each turn leaves one request unused for an epoch. */
export const TURN_EPOCHS = 16;

/** Max-min fair integer split of `limit` by `demands`; ties rotate every TURN_EPOCHS epochs. */
export function splitLimit(limit: number, demands: readonly number[], epoch: number): number[] {
  const turn = Math.floor(epoch / TURN_EPOCHS);
  const shares = splitWithTurn(limit, demands, turn);
  if (epoch <= 0 || Math.floor((epoch - 1) / TURN_EPOCHS) === turn) return shares;
  const before = splitWithTurn(limit, demands, turn - 1);
  return shares.map((s, i) => Math.min(s, before[i]!));
}

function splitWithTurn(limit: number, demands: readonly number[], turn: number): number[] {
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
  const start = ((turn % n) + n) % n;
  for (let step = 0; step < n; step++) {
    const i = (start + step) % n;
    if (!uncapped[i]) continue;
    shares[i] = equal + (extra > 0 ? 1 : 0);
    extra -= 1;
  }
  return shares;
}
