#!/usr/bin/env node
/**
 * The demo (`npm run demo`): a farm of ~50 mock hosts of mixed behaviour (bench/farm scenario `demo`:
 * ~5,000 images; a host that answers 429, one whose URLs are gone, a slow-body host, a refusing host,
 * one with resets, truncated and stalled bodies, redirects and HTML), the real pipeline under the
 * adaptive controller with the tool's default image settings, then its summary and an HTML report
 * of the run. Everything goes to out/demo/ (made anew each time).
 */
import path from 'node:path';
import { describeScenario } from '../farm/index.js';
import { methodNotes, type BenchmarkResult } from '../harness/bench.js';
import { runFigures } from '../harness/figures.js';
import type { PipelineSummary } from '../harness/messages.js';
import { outDir } from '../harness/paths.js';
import { pipelineClient } from '../harness/pipeline-client.js';
import { runScenario, type ScenarioChoice } from '../harness/run.js';
import { exitOnSignals } from '../harness/signals.js';
import { writeReport } from '../report/html.js';

const SCENARIO: ScenarioChoice = { name: 'demo', seed: 1, scale: 1 };
/** A safety net only: the demo takes about a minute. */
const MAX_SECONDS = 300;
/**
 * Shorter waits than the tool's defaults, which suit servers across the world, not a farm on this
 * machine: a stalled body, or the refusing host's circuit breaker doubling its pause up to 5 min,
 * would otherwise hold the demo for minutes after every other image is in.
 */
const DEMO_OVERRIDES = {
  engine: { ttfb_timeout_ms: 10_000, body_stall_timeout_ms: 5_000, total_timeout_ms: 30_000 },
  controller: { breaker_max_ms: 4_000 },
};

function summaryLines(s: PipelineSummary, folder: string): string[] {
  const classes = Object.entries(s.errorsByClass)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `    ${k.padEnd(22)} ${n}`);
  return [
    '',
    `demo: ${s.successes} images, ${s.errors} errors, ${s.rejected} rejected ` +
      `(${s.batches.completed}/${s.batches.total} batches) in ${s.downloadSeconds.toFixed(1)} s of download: ` +
      `${s.imagesPerSecond.toFixed(1)} images/s`,
    ...(classes.length ? ['  errors by class:', ...classes] : []),
    `  transient (retryable) errors: ${s.transientErrors}`,
    `  output: ${folder}`,
  ];
}

async function main(): Promise<void> {
  exitOnSignals();
  const runDir = outDir('demo');
  console.log(`demo: ${describeScenario(SCENARIO.name)}; starting the farm and the pipeline (adaptive controller) …`);
  const client = pipelineClient('adaptive', { algorithm: 'adaptive', encoding: 'jpeg', overrides: DEMO_OVERRIDES });
  const record = await runScenario(SCENARIO, client, { runDir, maxSeconds: MAX_SECONDS, log: (line) => console.log(`  ${line}`) });
  const summary = record.client.summary;
  if (!summary) throw new Error(`the pipeline did not finish within ${MAX_SECONDS} s`);
  for (const line of summaryLines(summary, record.client.outputDir)) console.log(line);

  // The demo's hosts allow far less than this machine can process: no ceiling limits the oracle.
  const ceiling = Number.POSITIVE_INFINITY;
  const result: BenchmarkResult = {
    scenario: SCENARIO,
    encoding: 'jpeg',
    ceiling: { imagesPerSecond: ceiling, measured: false },
    runs: [{ record, result: runFigures(record, ceiling) }],
    skipped: [],
  };
  const f = result.runs[0]!.result.figures;
  console.log(
    `  against the hosts' capacities: goodput ${f.goodput_ratio.toFixed(2)} of the oracle, ` +
      `${f.overload_per_10k.toFixed(1)} overload answers per 10,000 requests, p95 TTFB ×${f.p95_ttfb_inflation.toFixed(2)}`,
  );
  const report = await writeReport(path.join(runDir, 'report.html'), {
    ...result,
    title: 'distributed-downloader demo',
    notes: [
      ...methodNotes(result, MAX_SECONDS),
      'Demo settings: shorter waits than the defaults (ttfb 10 s, body stall 5 s, total 30 s, circuit-breaker pause at most 4 s), since the hosts are on this machine.',
    ],
  });
  console.log(`report ${report}`);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
