/** Which hosts get a plot: a few, chosen so that the plots show the range of what the farm holds. */
import type { HostConfigReport } from '../farm/index.js';

/** Hosts plotted per run by default. */
export const DEFAULT_SAMPLE = 6;

/** `want` items of `list` evenly spaced from its first to its last. */
function spread<T>(list: readonly T[], want: number): T[] {
  const n = Math.min(want, list.length);
  return Array.from({ length: n }, (_, i) => list[n === 1 ? 0 : Math.round((i * (list.length - 1)) / (n - 1))]!);
}

/**
 * Up to `n` server_names: first one host of each unusual kind (labels other than the most common,
 * at most half the sample), then hosts of capacities spread from the largest to the smallest (one
 * per capacity, the fastest of it; heavy-tailed farms have few large hosts and many of capacity 1),
 * then, if capacities run out, other hosts spread by oracle rate. Refusing hosts and hosts without
 * images have nothing to plot.
 */
export function sampleHosts(hosts: readonly HostConfigReport[], n = DEFAULT_SAMPLE): string[] {
  const candidates = hosts.filter((h) => !h.refuse && h.imageUrls > 0);
  const byLabel = new Map<string, HostConfigReport[]>();
  for (const h of candidates) byLabel.set(h.label, [...(byLabel.get(h.label) ?? []), h]);
  const common = [...byLabel.entries()].sort((a, b) => b[1].length - a[1].length)[0]?.[0];
  const picked = [...byLabel.entries()]
    .filter(([label]) => label !== common)
    .map(([, group]) => group[0]!)
    .slice(0, Math.floor(n / 2));
  const rest = candidates.filter((h) => !picked.includes(h)).sort((a, b) => b.capacity - a.capacity || b.oracleRps - a.oracleRps);
  const perCapacity = rest.filter((h, i) => i === 0 || rest[i - 1]!.capacity !== h.capacity);
  picked.push(...spread(perCapacity, n - picked.length));
  picked.push(...spread(rest.filter((h) => !picked.includes(h)), n - picked.length));
  return picked.map((h) => h.serverName);
}
