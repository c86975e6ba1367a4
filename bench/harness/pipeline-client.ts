/** The real pipeline as a benchmark client, run in a child process (see messages.ts for why). */
import { fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/index.js';
import type { Client, ClientInput, ClientRun, EpochSample } from './client-run.js';
import type { ChildMessage, ChildRequest, PipelineSummary } from './messages.js';
import { pipelineConfig, writeConfig, type PipelineSettings } from './pipeline-config.js';

const CHILD = fileURLToPath(new URL('./pipeline-child.js', import.meta.url));
/** Lines of the child's stderr kept for the error message when it fails. */
const STDERR_TAIL = 20;

export function pipelineClient(name: string, settings: PipelineSettings): Client {
  return { name, run: (input) => runPipelineChild(name, settings, input) };
}

async function runPipelineChild(name: string, settings: PipelineSettings, input: ClientInput): Promise<ClientRun> {
  await mkdir(input.runDir, { recursive: true });
  const outputDir = path.join(input.runDir, 'output');
  const raw = pipelineConfig(input.urlList, outputDir, settings);
  const configPath = await writeConfig(path.join(input.runDir, 'config.yaml'), raw);
  // Loading it here too refuses a bad configuration before any process starts, and gives the epoch.
  const epochMs = loadConfig(configPath).controller.epoch_ms;

  const request: ChildRequest = { configPath, watch: input.watch };
  const spawnedMs = Date.now();
  const child = fork(CHILD, [JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const killChild = (): void => void child.kill('SIGKILL');
  process.once('exit', killChild);
  createInterface({ input: child.stdout! }).on('line', input.log);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    input.log(line);
    stderr.push(line);
    if (stderr.length > STDERR_TAIL) stderr.shift();
  });

  const epochs: EpochSample[] = [];
  let startMs: number | undefined;
  let summary: PipelineSummary | undefined;
  let stoppedMs: number | undefined;
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'result') {
      summary = message.summary;
      return;
    }
    if (startMs === undefined) {
      // The first epoch ends one epoch after the download stage began (sooner only if it drained).
      startMs = Math.max(spawnedMs, message.nowMs - epochMs);
      input.onStart(startMs);
    }
    epochs.push({ atMs: message.nowMs, ok: message.ok, limits: message.limits });
  });
  const deadline = setTimeout(() => {
    stoppedMs = Date.now();
    killChild();
  }, Math.max(0, input.deadlineMs - Date.now()));

  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(deadline);
  process.removeListener('exit', killChild);

  if (summary) {
    return {
      client: name,
      startMs: startMs ?? spawnedMs,
      endMs: epochs.at(-1)?.atMs ?? Date.now(),
      images: summary.successes,
      finished: true,
      epochs,
      summary,
      outputDir,
      notes: [],
    };
  }
  if (stoppedMs === undefined) {
    throw new Error(`pipeline run "${name}" failed (exit code ${code}); its last lines:\n${stderr.join('\n')}`);
  }
  return {
    client: name,
    startMs: startMs ?? spawnedMs,
    endMs: stoppedMs,
    // Unfinished batches are never written: count the 2xx answers the controller saw instead.
    images: epochs.reduce((n, e) => n + e.ok, 0),
    finished: false,
    epochs,
    outputDir,
    notes: [`stopped at the deadline after ${((stoppedMs - (startMs ?? spawnedMs)) / 1000).toFixed(0)} s; images counted from 2xx answers`],
  };
}
