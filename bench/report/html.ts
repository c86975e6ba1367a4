/**
 * The benchmark report: one self-contained HTML file with the figures, how they are defined, the
 * overall throughput over time and, per sampled host, the controller's limit and the measured
 * in-flight count against the host's capacity. Used by the harness (several clients) and the demo
 * (one run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeScenario, type HostReport } from '../farm/index.js';
import type { BenchmarkResult, MeasuredRun } from '../harness/bench.js';
import { FIGURE_DEFINITIONS } from '../harness/definitions.js';
import { describePeakHost } from '../harness/figures.js';
import { hostInflightSeries, hostLimitSeries, throughputSeries, THROUGHPUT_WINDOW_MS } from '../harness/series.js';
import { escapeXml, lineChart, type ChartLine } from './svg.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const CAPACITY_COLOR = '#555';
const ORACLE_COLOR = '#888';

export interface ReportInput extends BenchmarkResult {
  readonly title: string;
  /** Sentences about how this report came about (ceiling, scale, …). */
  readonly notes: readonly string[];
}

const esc = escapeXml;
const num = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '∞');

function figuresTable(runs: readonly MeasuredRun[]): string {
  const head = ['client', 'images/s', 'goodput ratio', 'overload / 10k', 'p95 TTFB inflation', 's to 90 %', 'peak / capacity (after 5 s)', 'peak / capacity (all)', 'host of the peak', 'time queued at hosts (after 5 s)', 'last 5 % of answers, s', 'hosts over capacity', 'images', 'seconds', 'oracle seconds', 'requests', 'overloads'];
  const rows = runs.map(({ result: { figures: f, details: d } }) => [
    f.algorithm + (d.finished ? '' : ' (stopped at deadline)'),
    num(f.images_per_s, 1),
    num(f.goodput_ratio, 3),
    num(f.overload_per_10k, 1),
    num(f.p95_ttfb_inflation, 2),
    (d.reached90 ? '' : '> ') + num(f.seconds_to_90pct, 1),
    num(f.max_peak_inflight_ratio, 2) + (d.settled ? '' : ' (all-time: run too short)'),
    num(d.peak_inflight_ratio_all_time, 2),
    d.peakHost === null ? '–' : describePeakHost(d.peakHost),
    `${num(100 * d.queuedShare, 1)} %`,
    d.tailSeconds === null ? '–' : num(d.tailSeconds, 1),
    `${num(100 * d.hostsOverCapacity, 0)} %`,
    String(d.images),
    num(d.seconds, 1),
    num(d.oracleSeconds, 1),
    String(d.requests),
    String(d.overloads),
  ]);
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

function throughputChart(input: ReportInput): string {
  const lines: ChartLine[] = input.runs.map(({ record }, i) => ({
    name: record.client.client,
    points: throughputSeries(record.farm, record.client),
    color: COLORS[i % COLORS.length]!,
  }));
  const oracle = input.runs[0]?.result.details.oracleRate ?? 0;
  return lineChart({
    width: 900,
    height: 320,
    title: `Throughput: 200 answers/s at the farm (trailing ${THROUGHPUT_WINDOW_MS / 1000} s window)`,
    xLabel: 'seconds since the client started',
    yLabel: 'answers / s',
    lines,
    rules: [
      { y: oracle, label: `oracle average rate ${num(oracle, 0)}/s`, color: ORACLE_COLOR },
      { y: 0.9 * oracle, label: '90 % of it', color: '#bbb' },
    ],
  });
}

function hostOf(run: MeasuredRun, address: string): HostReport | undefined {
  return run.record.farm.late.hosts.find((h) => h.address === address);
}

/** Rows: sampled hosts (the same addresses in every run); columns: runs. */
function hostGrid(input: ReportInput): string {
  const first = input.runs[0];
  if (!first) return '';
  const addresses = first.record.watched.map((name) => name.slice(0, name.lastIndexOf(':')));
  const rows = addresses.map((address) => {
    const cells = input.runs.map((run) => {
      const host = hostOf(run, address);
      if (!host) return '<td></td>';
      const lines: ChartLine[] = [
        { name: 'in-flight at the host', points: hostInflightSeries(run.record.farm, host.serverName, run.record.client), color: COLORS[0]! },
      ];
      const limit = hostLimitSeries(run.record.client, host.serverName);
      if (limit.length > 0) lines.push({ name: 'controller limit', points: limit, color: COLORS[1]!, step: true });
      const chart = lineChart({
        width: 300,
        height: 180,
        title: run.record.client.client,
        xLabel: 's',
        yLabel: 'requests',
        lines,
        rules: [{ y: host.capacity, label: `capacity ${host.capacity}`, color: CAPACITY_COLOR }],
      });
      return `<td>${chart}</td>`;
    });
    const host = hostOf(first, address)!;
    const about =
      `<b>${esc(address)}</b><br>${esc(host.label)}<br>capacity ${host.capacity}` +
      `<br>service median ${host.service.medianMs} ms<br>oracle ${num(host.oracleRps, 1)}/s<br>${host.imageUrls} images` +
      (host.rateLimit ? `<br>token bucket ${host.rateLimit.ratePerSec}/s` : '');
    return `<tr><td class="about">${about}</td>${cells.join('')}</tr>`;
  });
  return `<table class="grid">${rows.join('')}</table>`;
}

function runDetails(run: MeasuredRun): string {
  const c = run.record.client;
  const items: string[] = [...c.notes];
  if (c.summary) {
    const s = c.summary;
    const classes = Object.entries(s.errorsByClass).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
    items.push(
      `pipeline summary: ${s.successes} images, ${s.errors} errors (${s.transientErrors} transient${classes ? `: ${classes}` : ''}), ` +
        `${s.rejected} rejected; ${s.batches.completed}/${s.batches.total} batches; ${num(s.imagesPerSecond, 1)} images/s over ${num(s.downloadSeconds, 1)} s of download`,
    );
  }
  items.push(`machine load average at the start: ${num(run.record.load.average, 1)} on ${run.record.load.cores} cores`);
  items.push(`output: ${c.outputDir}`);
  return `<h3>${esc(c.client)}</h3><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

export function renderReport(input: ReportInput): string {
  const totals = input.runs[0]?.record.farm.late.totals;
  const s = input.scenario;
  const about = [
    `Scenario <b>${esc(s.name)}</b> (seed ${s.seed}, scale ${s.scale}): ${esc(describeScenario(s.name))}.`,
    totals ? `${totals.hosts} hosts, ${totals.urls} URLs; the hosts' capacities together allow ${num(totals.oracleRps, 0)} requests/s.` : '',
    `Client ceiling ${num(input.ceiling.imagesPerSecond, 0)} images/s (${input.ceiling.measured ? 'measured in this run' : 'given'}); image encoding ${esc(input.encoding)}.`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font-family:sans-serif;margin:24px;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:right}
th{background:#f3f3f3}
td:first-child{text-align:left}
table.grid td{border:none;padding:2px;vertical-align:top}
td.about{font-size:12px;text-align:left;width:150px}
dt{font-weight:bold;margin-top:6px}
</style></head><body>
<h1>${esc(input.title)}</h1>
<p>${about.filter(Boolean).join(' ')}</p>
<p>Generated ${esc(new Date().toISOString())}.</p>
<h2>Figures</h2>
${figuresTable(input.runs)}
${input.skipped.map((k) => `<p>${esc(k.client)}: skipped: ${esc(k.reason)}</p>`).join('')}
<h2>Throughput over time</h2>
${throughputChart(input)}
<h2>Per host: controller limit and in-flight against capacity</h2>
<p>In-flight is the farm's time-averaged count per sampling period (requests accepted and not finished, queued ones included). The limit is the controller's global limit for the host at each epoch (pipeline runs only).</p>
${hostGrid(input)}
<h2>Runs</h2>
${input.runs.map(runDetails).join('\n')}
<h2>How the figures are defined</h2>
<dl>${FIGURE_DEFINITIONS.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h2>Method</h2>
<ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</body></html>
`;
}

export async function writeReport(file: string, input: ReportInput): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, renderReport(input));
  return path.resolve(file);
}
