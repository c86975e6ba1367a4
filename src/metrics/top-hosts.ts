/**
 * Which hosts get series of their own (the cardinality cap): the `capacity` hosts with the most
 * recent traffic; all others are summed under one label. Traffic decays with a half-life, so a
 * week-long run follows the hosts that are busy now rather than those that were busy on day one,
 * and a newcomer must beat the weakest member by a margin, so that two close hosts do not swap
 * their series back and forth every epoch.
 */

/** How fast past traffic fades: a host idle for this long counts half as much. */
export const TRAFFIC_HALF_LIFE_MS = 5 * 60_000;
/** A host replaces the weakest member only with this much more (decayed) traffic. */
export const SWAP_MARGIN = 1.25;
/** Hosts whose decayed traffic falls below this (a hundredth of a request) are forgotten: memory stays bounded. */
const FORGET_BELOW = 0.01;

export class TopHosts {
  private readonly scores = new Map<string, number>();
  private readonly members = new Set<string>();
  private lastMs: number | null = null;

  constructor(
    private readonly capacity: number,
    private readonly halfLifeMs = TRAFFIC_HALF_LIFE_MS,
  ) {}

  has(host: string): boolean {
    return this.members.has(host);
  }

  /**
   * Adds one epoch's traffic (requests per host) at `nowMs` and revises the members. Returns the
   * hosts that lost their place, whose series the caller removes.
   */
  update(nowMs: number, traffic: ReadonlyMap<string, number>): string[] {
    const decay = this.lastMs === null ? 1 : Math.pow(0.5, Math.max(0, nowMs - this.lastMs) / this.halfLifeMs);
    this.lastMs = nowMs;
    for (const [host, score] of this.scores) {
      const next = score * decay;
      if (next < FORGET_BELOW && !this.members.has(host)) this.scores.delete(host);
      else this.scores.set(host, next);
    }
    for (const [host, n] of traffic) if (n > 0) this.scores.set(host, (this.scores.get(host) ?? 0) + n);

    const full = this.members.size >= this.capacity;
    const bar = full ? this.weakest()[1] * SWAP_MARGIN : 0;
    const challengers = [...this.scores]
      .filter(([host, score]) => !this.members.has(host) && score > bar)
      .sort(([ha, a], [hb, b]) => b - a || (ha < hb ? -1 : 1));
    const demoted: string[] = [];
    for (const [host, score] of challengers) {
      if (this.members.size < this.capacity) {
        this.members.add(host);
        continue;
      }
      const [weakest, weakestScore] = this.weakest();
      // Challengers come strongest first: once one falls short, the rest do too.
      if (!(score > weakestScore * SWAP_MARGIN)) break;
      this.members.delete(weakest);
      this.members.add(host);
      demoted.push(weakest);
    }
    return demoted;
  }

  private weakest(): [string, number] {
    let found: [string, number] = ['', Number.POSITIVE_INFINITY];
    for (const host of this.members) {
      const score = this.scores.get(host) ?? 0;
      if (score < found[1]) found = [host, score];
    }
    return found;
  }
}
