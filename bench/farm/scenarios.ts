/**
 * Named scenarios: seeded generators of hosts and URLs. `buildScenario(name, { seed, scale })` is a
 * pure function, so the same arguments always give the same plan and URL list.
 */
import { hostSpec, oracleRps, type HostOptions, type HostSpec, type OverloadAnswer } from './host-spec.js';
import { planScenario, type HostDraft, type ScenarioPlan } from './plan.js';
import { createRng, type Rng } from './rng.js';
import type { UrlSpec } from './url-spec.js';
import { apportion, faultCatalogue, imageUrls, mixedUrls, sameUrls, scaled } from './url-mix.js';

export const SCENARIO_NAMES = ['smoke', 'uniform', 'mixed', 'ratelimited', 'faulty', 'dominant', 'longtail', 'demo'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioOptions {
  /** Default 1. */
  seed?: number;
  /** Multiplies URL counts (host count for `longtail`, whose hosts have 1–3 URLs). Default 1. */
  scale?: number;
}

interface ScenarioDefinition {
  readonly description: string;
  build(rng: Rng, scale: number): HostDraft[];
}

/** Oracle for planning: a 640×480 JPEG's ~14 KB stands in for the body size. */
const PLANNING_BODY_BYTES = 14_000;

const draft = (options: HostOptions, urls: UrlSpec[]): HostDraft => ({ spec: hostSpec(options), urls });

/** Capacities with a heavy tail: P(c >= k) = k^-alpha, capped. */
function paretoCapacity(rng: Rng, alpha: number, max: number): number {
  return Math.min(max, Math.floor(Math.pow(1 - rng.next(), -1 / alpha)));
}

/**
 * A host that queues past its capacity and answers "slow down" past a queue of twice that, with a
 * log-uniform median service time: the common shape of the mixed, dominant and longtail hosts.
 */
function queueingHost(rng: Rng, label: string, capacity: number, serviceMs: [number, number], i: number): HostOptions {
  return {
    label,
    capacity,
    service: { medianMs: Math.round(rng.logUniform(serviceMs[0], serviceMs[1])), sigma: 0.5 },
    queueLimit: 2 * capacity,
    overload: overloadAnswer(i),
  };
}

/** Rotates through the ways servers say "slow down", so every scenario exercises all of them. */
function overloadAnswer(i: number): OverloadAnswer {
  switch (i % 4) {
    case 0:
      return { status: 429 };
    case 1:
      return { status: 429, retryAfter: { format: 'seconds', seconds: 1 } };
    case 2:
      return { status: 429, retryAfter: { format: 'date', seconds: 2 } };
    default:
      return { status: 503, retryAfter: { format: 'seconds', seconds: 2 } };
  }
}

/**
 * Hosts whose URL counts are proportional to their oracle rates, `total` URLs in all, so that a
 * client keeping every host at capacity finishes them together.
 */
function proportionalHosts(rng: Rng, specs: readonly HostSpec[], total: number): HostDraft[] {
  const counts = apportion(total, specs.map((s) => oracleRps(s, PLANNING_BODY_BYTES)));
  return specs.map((spec, i) => ({ spec, urls: imageUrls(rng, counts[i]!) }));
}

const SCENARIOS: Record<ScenarioName, ScenarioDefinition> = {
  smoke: {
    description: '6 hosts, ~100 URLs: normal, overloaded (429 + Retry-After), faults, redirects, refused',
    build: (rng, scale) => [
      draft({ label: 'fast', capacity: 8, service: { medianMs: 5, sigma: 0.3 } }, imageUrls(rng, scaled(30, scale))),
      draft({ label: 'normal', capacity: 4, service: { medianMs: 20, sigma: 0.3 } }, imageUrls(rng, scaled(25, scale))),
      draft(
        {
          label: 'overloaded',
          capacity: 1,
          queueLimit: 1,
          service: { medianMs: 50, sigma: 0.2 },
          overload: { status: 429, retryAfter: { format: 'seconds', seconds: 1 } },
        },
        imageUrls(rng, scaled(15, scale)),
      ),
      draft({ label: 'faults', capacity: 4, service: { medianMs: 10, sigma: 0.2 } }, [
        ...imageUrls(rng, scaled(10, scale)),
        ...sameUrls(scaled(2, scale), { kind: 'status', code: 404 }),
        { kind: 'status', code: 410 },
        ...sameUrls(scaled(2, scale), { kind: 'reset' }),
        ...sameUrls(scaled(2, scale), { kind: 'truncated', variant: 'medium' }),
        { kind: 'html' },
      ]),
      draft({ label: 'redirects', capacity: 4, service: { medianMs: 10, sigma: 0.2 } }, [
        ...sameUrls(scaled(5, scale), { kind: 'redirect', hops: 2, variant: 'medium' }),
        { kind: 'loop', step: 0 },
        ...imageUrls(rng, scaled(4, scale)),
      ]),
      draft({ label: 'refused', refuse: true }, imageUrls(rng, scaled(5, scale))),
    ],
  },

  uniform: {
    description: '32 hosts with ample capacity (512, ~2 ms): measures the client engine, not the hosts',
    build: (rng, scale) =>
      Array.from({ length: 32 }, () =>
        draft({ label: 'ample', capacity: 512, service: { medianMs: 2, sigma: 0.2 } }, imageUrls(rng, scaled(2000, scale), 'medium')),
      ),
  },

  mixed: {
    description: '200 hosts, Pareto(1.5) capacities 1–64, service medians 20–500 ms, 429/503 past a queue of 2c',
    build: (rng, scale) => {
      const specs = Array.from({ length: 200 }, (_, i) => hostSpec(queueingHost(rng, 'mixed', paretoCapacity(rng, 1.5, 64), [20, 500], i)));
      return proportionalHosts(rng, specs, scaled(60_000, scale));
    },
  },

  ratelimited: {
    description: '40 hosts behind token buckets of 2–50 requests/s, with and without Retry-After',
    build: (rng, scale) =>
      Array.from({ length: 40 }, (_, i) => {
        const ratePerSec = Math.round(rng.logUniform(2, 50) * 10) / 10;
        return draft(
          {
            label: 'token-bucket',
            capacity: 16,
            service: { medianMs: 40, sigma: 0.3 },
            rateLimit: { ratePerSec, burst: Math.max(1, Math.round(ratePerSec / 2)), answer: overloadAnswer(i) },
          },
          imageUrls(rng, scaled(ratePerSec * 30, scale)),
        );
      }),
  },

  faulty: {
    description: 'one host per fault (each URL kind, refusal, slow TTFB, slow body, 503/429 overload) and a mixed-fault host',
    build: (rng, scale) => {
      const n = scaled(20, scale);
      const quick = { capacity: 4, service: { medianMs: 10, sigma: 0.2 } };
      const perKind = faultCatalogue(rng).map((spec) =>
        draft({ ...quick, label: spec.kind === 'status' ? `status-${spec.code}` : spec.kind }, sameUrls(n, spec)),
      );
      // Redirect chains of every length up to 5, not just the one the catalogue drew.
      const chains = Array.from({ length: n }, (_, i): UrlSpec => ({ kind: 'redirect', hops: 1 + (i % 5), variant: 'medium' }));
      return [
        ...perKind,
        draft({ ...quick, label: 'redirect-chains' }, chains),
        draft({ label: 'refuse', refuse: true }, imageUrls(rng, n)),
        draft({ label: 'slow-ttfb', capacity: 8, service: { medianMs: 3000, sigma: 0.2 } }, imageUrls(rng, n, 'medium')),
        draft({ ...quick, label: 'slow-body', bodyBytesPerSec: 16_000 }, imageUrls(rng, n, 'medium')),
        draft(
          { ...quick, label: 'overload-503', capacity: 1, queueLimit: 0, overload: { status: 503, retryAfter: { format: 'seconds', seconds: 2 } } },
          imageUrls(rng, n),
        ),
        draft(
          { ...quick, label: 'overload-429-date', capacity: 2, queueLimit: 2, overload: { status: 429, retryAfter: { format: 'date', seconds: 1 } } },
          imageUrls(rng, n),
        ),
        draft({ ...quick, label: 'mixed-faults' }, mixedUrls(rng, scaled(60, scale), 0.3)),
      ];
    },
  },

  dominant: {
    description: 'one host (capacity 16) holding half of 20,000 URLs, 31 small hosts sharing the rest',
    build: (rng, scale) => {
      const half = scaled(10_000, scale);
      const others = apportion(half, Array.from({ length: 31 }, () => 1));
      return [
        draft(
          { label: 'dominant', capacity: 16, service: { medianMs: 50, sigma: 0.5 }, queueLimit: 32, overload: { status: 429 } },
          imageUrls(rng, half),
        ),
        ...others.map((count, i) => draft(queueingHost(rng, 'small', rng.int(2, 8), [50, 200], i), imageUrls(rng, count))),
      ];
    },
  },

  longtail: {
    description: '10,000 hosts with 1–3 URLs each (scale changes the host count), capacities 1–4',
    build: (rng, scale) =>
      Array.from({ length: scaled(10_000, scale) }, (_, i) =>
        draft(queueingHost(rng, 'longtail', rng.int(1, 4), [30, 300], i), imageUrls(rng, rng.int(1, 3))),
      ),
  },

  demo: {
    description: '~5,000 images from 50 hosts of moderate capacity (about a minute at capacity), 5 of them faulty',
    build: (rng, scale) => {
      const specs = Array.from({ length: 45 }, (_, i) =>
        hostSpec({
          label: 'demo',
          capacity: rng.int(1, 3),
          service: { medianMs: Math.round(rng.logUniform(500, 2000)), sigma: 0.4 },
          queueLimit: 8,
          overload: overloadAnswer(i),
        }),
      );
      const n = scaled(40, scale);
      const quick = { capacity: 2, service: { medianMs: 200, sigma: 0.3 } };
      return [
        ...proportionalHosts(rng, specs, scaled(4800, scale)),
        draft(
          { ...quick, label: 'overload-429', capacity: 1, queueLimit: 1, overload: { status: 429, retryAfter: { format: 'seconds', seconds: 1 } } },
          imageUrls(rng, n),
        ),
        draft(
          { ...quick, label: 'gone' },
          mixedUrls(rng, n, 0.5, [{ kind: 'status', code: 404 }, { kind: 'status', code: 410 }, { kind: 'status', code: 403 }]),
        ),
        draft({ ...quick, label: 'slow-body', bodyBytesPerSec: 50_000 }, imageUrls(rng, n)),
        draft({ label: 'refuse', refuse: true }, imageUrls(rng, n)),
        draft(
          { ...quick, label: 'mixed-faults' },
          mixedUrls(rng, n, 0.4, [
            { kind: 'reset' },
            { kind: 'truncated', variant: 'medium' },
            { kind: 'stall', variant: 'medium' },
            { kind: 'redirect', hops: 2, variant: 'medium' },
            { kind: 'html' },
          ]),
        ),
      ];
    },
  },
};

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export function describeScenario(name: ScenarioName): string {
  return SCENARIOS[name].description;
}

export function buildScenario(name: ScenarioName, options: ScenarioOptions = {}): ScenarioPlan {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`scale must be > 0, got ${scale}`);
  return planScenario(name, seed, SCENARIOS[name].build(createRng(seed), scale));
}
