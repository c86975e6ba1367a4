/** The harness's printed table: one row per client, the figures as figures.ts defines them. */
import { describePeakHost, type RunFigures } from './figures.js';

export interface SkippedClient {
  readonly client: string;
  readonly reason: string;
}

const HEADER = ['algorithm', 'images/s', 'goodput', 'overload/10k', 'p95 TTFB ×', 's to 90%', 'peak/cap >5s', 'peak/cap all', 'queued %', 'last 5% s'];

function fixed(v: number, digits: number): string {
  return v.toFixed(digits);
}

function row({ figures: f, details: d }: RunFigures): string[] {
  return [
    f.algorithm + (d.finished ? '' : '*'),
    fixed(f.images_per_s, 1),
    fixed(f.goodput_ratio, 3),
    fixed(f.overload_per_10k, 1),
    fixed(f.p95_ttfb_inflation, 2),
    (d.reached90 ? '' : '>') + fixed(f.seconds_to_90pct, 1),
    fixed(f.max_peak_inflight_ratio, 2) + (d.settled ? '' : '†'),
    fixed(d.peak_inflight_ratio_all_time, 2),
    fixed(100 * d.queuedShare, 1),
    d.tailSeconds === null ? '-' : fixed(d.tailSeconds, 1),
  ];
}

export function formatTable(runs: readonly RunFigures[], skipped: readonly SkippedClient[]): string {
  const rows = [HEADER, ...runs.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...runs.map((r) => line(row(r)))];
  for (const { figures: f, details: d } of runs) {
    const h = d.peakHost;
    if (h !== null) out.push(`${f.algorithm}: peak/cap from ${describePeakHost(h)}`);
  }
  for (const s of skipped) out.push(`${s.client}: skipped: ${s.reason}`);
  const marks: string[] = [];
  if (runs.some((r) => !r.details.finished)) marks.push('* stopped at the deadline');
  if (runs.some((r) => !r.details.reached90)) marks.push('> never reached 90 % of the oracle rate: the run length');
  if (runs.some((r) => !r.details.settled)) marks.push('† run shorter than the settling time: all-time peak');
  if (marks.length) out.push(marks.join('; '));
  return out.join('\n');
}
