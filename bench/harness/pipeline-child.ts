/**
 * Child process of one pipeline run: `node pipeline-child.js '<ChildRequest JSON>'`, forked by
 * pipeline-client.ts. Runs the real pipeline in this process and reports epochs and the final
 * summary to the parent over IPC; status lines go to stdout.
 */
import { loadConfig, runPipeline, type EpochObservation, type RunResult } from '../../src/index.js';
import type { ChildMessage, ChildRequest, PipelineSummary } from './messages.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('pipeline-child must be started with an IPC channel (fork)'));
    process.send(message, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

function epochMessage(o: EpochObservation, watch: readonly string[]): ChildMessage {
  let ok = 0;
  for (const stats of o.stats.values()) ok += stats.outcomes.ok;
  const limits: Record<string, number> = {};
  for (const host of watch) {
    const decision = o.decisions.get(host);
    if (decision) limits[host] = decision.limit;
  }
  return { type: 'epoch', nowMs: o.nowMs, ok, limits };
}

function summaryOf(result: RunResult): PipelineSummary {
  const v = result.verify;
  if (!v) throw new Error('the pipeline returned without a verification summary');
  const downloadSeconds = result.downloads.reduce((s, d) => s + d.seconds, 0);
  return {
    successes: v.rows.successes,
    errors: v.rows.errors,
    rejected: v.rows.rejected,
    errorsByClass: v.errors_by_class,
    transientErrors: v.transient_errors,
    batches: { total: v.batches.total, completed: v.batches.completed },
    downloadSeconds,
    imagesPerSecond: downloadSeconds > 0 ? v.rows.successes / downloadSeconds : 0,
  };
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  const config = loadConfig(request.configPath);
  const result = await runPipeline(config, {
    progress: { live: false },
    say: (line) => console.log(line),
    // Epoch messages are sent without waiting: the epoch loop must not stall on IPC.
    onEpoch: (o) => void send(epochMessage(o, request.watch)).catch(() => undefined),
  });
  await send({ type: 'result', summary: summaryOf(result) });
  process.disconnect?.();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
  process.disconnect?.();
});
