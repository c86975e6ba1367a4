/**
 * The simulated job: hosts with heavy-tailed URL counts and capacities, as in the Python tool's
 * production run (545 servers, 200 M URLs, 400 ranks), batched and scheduled over the ranks by the
 * real scheduler with the default schedule_rules.
 */
import { createRng, deriveSeed } from '../farm/rng.js';
import { assign, type Partition } from '../../src/pipeline/schedule.js';

export interface SimHostSpec {
  name: string;
  /** Requests served at once. */
  capacity: number;
  /** Median service time, ms (log-normal). */
  serviceMs: number;
  sigma: number;
  /** Requests allowed to wait beyond capacity before overload answers; Infinity = the host only queues. */
  queueLimit: number;
  overload: 'tooMany' | 'unavailable';
  /** Retry-After sent with overload answers, seconds; 0 = none. */
  retryAfterS: number;
  urls: number;
}

export interface WorkloadOptions {
  hosts: number;
  urls: number;
  ranks: number;
  seed: number;
  batchSize: number;
  scheduleRules: Readonly<Record<string, number>>;
}

export interface Workload {
  hosts: SimHostSpec[];
  /** For each host, the ranks working on it and the URLs each has of it. */
  pairs: { rank: number; urls: number }[][];
}

/** Mean of a log-normal with this median and sigma. */
export const meanOf = (medianMs: number, sigma: number): number => medianMs * Math.exp((sigma * sigma) / 2);

/** Requests per second the host completes at full capacity: what a perfect client would get. */
export const oracleRps = (h: SimHostSpec): number => (1000 * h.capacity) / meanOf(h.serviceMs, h.sigma);

export function productionWorkload(o: WorkloadOptions): Workload {
  const rng = createRng(deriveSeed(o.seed, 1));
  // Zipf-like URL counts: a few huge hosts, a long tail (s = 1.1).
  const weights = Array.from({ length: o.hosts }, (_, i) => Math.pow(i + 1, -1.1));
  const total = weights.reduce((a, b) => a + b, 0);
  const hosts = weights.map((w, i): SimHostSpec => {
    const urls = Math.max(1, Math.round((o.urls * w) / total));
    // Pareto(1.2) capacities, larger for hosts with more URLs (big archives run big servers).
    const pareto = Math.pow(1 - rng.next(), -1 / 1.2);
    const capacity = Math.max(1, Math.min(2000, Math.round(2 * pareto * Math.pow(urls / 1e5, 0.3))));
    const kind = rng.next();
    return {
      name: `host-${String(i).padStart(3, '0')}`,
      capacity,
      serviceMs: rng.logUniform(30, 600),
      sigma: 0.3 + 0.3 * rng.next(),
      queueLimit: kind < 0.55 ? Number.POSITIVE_INFINITY : kind < 0.85 ? 2 * capacity : capacity,
      overload: kind < 0.85 ? 'tooMany' : 'unavailable',
      retryAfterS: kind >= 0.55 && kind < 0.7 ? rng.int(1, 5) : 0,
      urls,
    };
  });
  const partitions: Partition[] = hosts.flatMap((h) =>
    Array.from({ length: Math.ceil(h.urls / o.batchSize) }, (_, k) => ({
      server_name: h.name,
      partition_id: k,
      rows: Math.min(o.batchSize, h.urls - k * o.batchSize),
    })),
  );
  const byHost = new Map(hosts.map((h, i) => [h.name, i]));
  const pairs = hosts.map(() => new Map<number, number>());
  for (const a of assign(partitions, o.ranks, o.scheduleRules)) {
    const m = pairs[byHost.get(a.server_name)!]!;
    m.set(a.rank, (m.get(a.rank) ?? 0) + a.rows);
  }
  return { hosts, pairs: pairs.map((m) => [...m].sort(([a], [b]) => a - b).map(([rank, urls]) => ({ rank, urls }))) };
}
