/**
 * `npm run bench:evidence -- [--capacities 2,3,4,5,6,7,8] [--median-ms 100] [--samples 500]`
 *
 * How many TTFB samples it takes to see one request over a host's capacity, against how many the
 * small hosts of the `dominant` scenario answer in the first 5 s (the window after which its target
 * allows no host above 1.1× its capacity). A latency controller learns a capacity c only by holding
 * c + 1 in flight and seeing the median rise; for c ≤ 9 that one request is already over 1.1×c, so
 * the target is met only where that look fits into the first 5 s.
 *
 * For each capacity, a farm host of that capacity (lognormal service time, σ 0.5, as the scenario's)
 * is held at exactly c and then c + 1 requests in flight by a bare keep-alive client. The client
 * adds no delay of its own, so the rise it sees is the largest any client can see, and the counts
 * are lower bounds. Printed per capacity, with both levels measured from as many samples:
 * - samples/level: what the adaptive controller's test needs (a median above the baseline by more
 *   than latency_tolerance, by latency_confidence combined standard errors);
 * - best: samples/level: what the most efficient such test needs (mean of ln TTFB, no tolerance);
 * - seconds: how long the scenario's hosts of that capacity take to answer both levels' samples
 *   (c per mean service time at either level).
 * A host's first epoch is partial and decides nothing, so about 4 of the 5 s are there for finding
 * c from the starting limit and then looking at c + 1.
 */
import { Agent, get } from 'node:http';
import { parseArgs } from 'node:util';
import { DEFAULT_CONTROLLER_OPTIONS } from '../../src/controller/options.js';
import { medianLogSe, quartileLogSigma } from '../../src/controller/latency-window.js';
import { positiveNumber } from '../args.js';
import {
  buildScenario,
  hostSpec,
  meanServiceMs,
  planScenario,
  startFarm,
  type Farm,
} from '../farm/index.js';

const SIGMA = 0.5;
/** The first answers at each level come from before it was reached (connections opening, queue filling). */
const WARMUP_PER_SLOT = 2;
/** The dominant target's settling time. */
const SETTLE_S = 5;

const { values } = parseArgs({
  options: {
    capacities: { type: 'string', default: '2,3,4,5,6,7,8' },
    'median-ms': { type: 'string', default: '100' },
    samples: { type: 'string', default: '500' },
  },
});

const capacities = values.capacities.split(',').map((text) => {
  const c = positiveNumber('capacities', text);
  if (!Number.isInteger(c)) throw new Error(`--capacities must list whole numbers, got ${text}`);
  return c;
});
const medianMs = positiveNumber('median-ms', values['median-ms']);
const samples = Math.ceil(positiveNumber('samples', values.samples));

interface Level {
  ttfbMs: number[];
  /** Answers other than 200: none are expected, the queue holds 2c. */
  refused: number;
}

/** Keeps exactly `inflight` requests on `url` until `count` answers past the warm-up have arrived. */
async function holdAt(url: string, inflight: number, count: number): Promise<Level> {
  const agent = new Agent({ keepAlive: true, maxSockets: inflight });
  const warmup = WARMUP_PER_SLOT * inflight;
  const ttfbMs: number[] = [];
  let sent = 0;
  let refused = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      get(url, { agent }, (res) => {
        ttfbMs.push(performance.now() - start);
        if (res.statusCode !== 200) refused += 1;
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      }).on('error', reject);
    });
  const slot = async (): Promise<void> => {
    while (sent < warmup + count) {
      sent += 1;
      await one();
    }
  };
  try {
    await Promise.all(Array.from({ length: inflight }, slot));
  } finally {
    agent.destroy();
  }
  return { ttfbMs: ttfbMs.slice(warmup), refused };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Standard deviation of ln TTFB from the interquartile range, as the controller estimates it. */
function iqrLogSigma(ttfbMs: readonly number[]): number {
  return quartileLogSigma(quantile(ttfbMs, 0.25), quantile(ttfbMs, 0.75));
}

function meanLog(ttfbMs: readonly number[]): number {
  return ttfbMs.reduce((sum, t) => sum + Math.log(t), 0) / ttfbMs.length;
}

function sdLog(ttfbMs: readonly number[]): number {
  const mean = meanLog(ttfbMs);
  return Math.sqrt(ttfbMs.reduce((sum, t) => sum + (Math.log(t) - mean) ** 2, 0) / (ttfbMs.length - 1));
}

/**
 * Samples per level, at c and at c + 1 alike, for the difference of two estimates (each with
 * standard error perSampleSe/√n) to clear `margin` by latency_confidence combined standard errors.
 */
function samplesToSee(margin: number, perSampleSe: number): number {
  if (margin <= 0) return Number.POSITIVE_INFINITY;
  const k = DEFAULT_CONTROLLER_OPTIONS.latency_confidence;
  return Math.ceil(2 * ((k * perSampleSe) / margin) ** 2);
}

const dominantSmallHosts = buildScenario('dominant').hosts.filter((h) => h.spec.label === 'small');
/** ln(1 + latency_tolerance): how far a median must rise before the controller calls it queueing. */
const TOLERANCE = Math.log(1 + DEFAULT_CONTROLLER_OPTIONS.latency_tolerance);

const range = (list: readonly number[], digits: number): string => {
  if (list.length === 0) return '–';
  const lo = Math.min(...list).toFixed(digits);
  const hi = Math.max(...list).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};

const plan = planScenario(
  'evidence',
  1,
  capacities.map((c) => ({
    spec: hostSpec({ label: `c${c}`, capacity: c, service: { medianMs, sigma: SIGMA }, queueLimit: 2 * c }),
    urls: [{ kind: 'img' as const, variant: 'small' as const }],
  })),
);
const farm: Farm = await startFarm(plan);
const rows: Record<string, string | number>[] = [];
try {
  for (const [i, c] of capacities.entries()) {
    // The farm's URL list is shuffled; the host's own URL is the one on its address.
    const origin = `http://${plan.hosts[i]!.address}:${farm.port}/`;
    const url = farm.urls.find((u) => u.startsWith(origin))!;
    const at = await holdAt(url, c, samples);
    const over = await holdAt(url, c + 1, samples);
    const rise = quantile(over.ttfbMs, 0.5) / quantile(at.ttfbMs, 0.5);
    const sigma = iqrLogSigma(over.ttfbMs);
    const controller = samplesToSee(Math.log(rise) - TOLERANCE, medianLogSe(sigma, 1));
    const best = samplesToSee(meanLog(over.ttfbMs) - meanLog(at.ttfbMs), sdLog(over.ttfbMs));
    const hosts = dominantSmallHosts.filter((h) => h.spec.capacity === c);
    // Over capacity a host answers at its capacity's rate, c per mean service time.
    const perSecond = hosts.map((h) => (1000 * c) / meanServiceMs(h.spec.service));
    const row = {
      capacity: c,
      'p50 at c, ms': +quantile(at.ttfbMs, 0.5).toFixed(1),
      'p50 at c+1, ms': +quantile(over.ttfbMs, 0.5).toFixed(1),
      'rise %': +(100 * (rise - 1)).toFixed(1),
      'σ ln TTFB': +sigma.toFixed(2),
      'samples/level': controller,
      'best: samples/level': best,
      'dominant hosts': hosts.length,
      [`answers in ${SETTLE_S} s`]: range(perSecond.map((r) => r * SETTLE_S), 0),
      seconds: range(perSecond.map((r) => (2 * controller) / r), 1),
      'best: seconds': range(perSecond.map((r) => (2 * best) / r), 1),
      refused: at.refused + over.refused,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await farm.stop();
}
console.table(rows);
