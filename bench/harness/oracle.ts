/**
 * The oracle: an ideal client that keeps every host exactly at what it allows from the first
 * instant, limited only by the hosts and by the client machine's own ceiling.
 *
 * Host h allows oracle_h requests/s (capacity over mean hold time, capped by its token rate, as the
 * farm computes it) and holds u_h image URLs. The machine processes at most C images/s (measured in
 * the same benchmark run). By time t the ideal client has
 *
 *     D(t) = min( Σ_h min(oracle_h · t, u_h),  C · t )
 *
 * images: each host delivers at its rate until its URLs run out, and all together no faster than the
 * machine can take them. (D is exact, not just a bound: constant rates r_h = λ·min(oracle_h, u_h/t),
 * λ = min(1, C·t / Σ_h min(oracle_h·t, u_h)), achieve it.)
 *
 * A client's goodput ratio compares times, not rates over the client's own time: a client that took
 * T seconds for n images is compared with the ideal's time D⁻¹(n) for as many. A ratio of rates over
 * the same T would reward a slow client, because Σ_h min(oracle_h, u_h / T) shrinks as T grows.
 */

export interface HostWork {
  /** Requests/s the host allows. */
  readonly oracleRps: number;
  /** URLs of the host that yield an image. */
  readonly images: number;
}

/** Images the ideal client has after `seconds`. `ceiling` in images/s; Infinity for none. */
export function idealDelivered(hosts: readonly HostWork[], ceiling: number, seconds: number): number {
  let byHosts = 0;
  for (const h of hosts) byHosts += Math.min(h.oracleRps * seconds, h.images);
  return Math.min(byHosts, ceiling * seconds);
}

/** Images the ideal client can get at all: those of hosts that answer. */
export function reachableImages(hosts: readonly HostWork[]): number {
  return hosts.reduce((n, h) => n + (h.oracleRps > 0 ? h.images : 0), 0);
}

/** Seconds the ideal client needs for `images` images (at most the reachable ones). */
export function idealSeconds(hosts: readonly HostWork[], ceiling: number, images: number): number {
  const target = Math.min(images, reachableImages(hosts));
  if (target <= 0) return 0;
  // D is continuous and non-decreasing: bisect between 0 and a time by which everything is done.
  let hi = 0;
  for (const h of hosts) if (h.oracleRps > 0) hi = Math.max(hi, h.images / h.oracleRps);
  if (Number.isFinite(ceiling)) hi = Math.max(hi, reachableImages(hosts) / ceiling);
  let lo = 0;
  for (let i = 0; i < 100 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (idealDelivered(hosts, ceiling, mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The ideal client's average rate over the whole list: reachable images over the time it needs for them. */
export function idealRate(hosts: readonly HostWork[], ceiling: number): number {
  const n = reachableImages(hosts);
  const t = idealSeconds(hosts, ceiling, n);
  return t > 0 ? n / t : 0;
}
