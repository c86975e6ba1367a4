/**
 * aria2c as an external baseline (DESIGN §9): a fixed number of downloads at once, whatever the
 * hosts say, on the same URL list. Installed with apt-get when missing (as root), since it is a
 * Debian package and not an npm one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ClientInput, ClientRun } from './client-run.js';

export const ARIA2C = 'aria2c';

function installed(): boolean {
  return spawnSync(ARIA2C, ['--version'], { stdio: 'ignore' }).status === 0;
}

function apt(args: readonly string[]): boolean {
  // Another apt-get (a setup script, another session) may hold the lock for a while: wait for it.
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/**
 * Makes sure aria2c can run, installing the `aria2` package when it is missing and we are root.
 * Returns null when it can run, or the reason it cannot (the harness then skips its row).
 */
export function ensureAria2(say: (line: string) => void): string | null {
  if (installed()) return null;
  if (process.getuid?.() !== 0) return 'aria2c is not installed and installing it needs root (apt-get install aria2)';
  say('aria2c is missing: installing the Debian package aria2 (apt-get update && apt-get install -y aria2)');
  if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', 'aria2']) || !installed()) {
    return 'aria2c is not installed and `apt-get install -y aria2` failed';
  }
  say('aria2c installed');
  return null;
}

/** aria2c's input file: every URL with the file name it is saved under (its uuid, unique). */
async function inputFile(urlList: string, file: string): Promise<void> {
  const [header, ...lines] = (await readFile(urlList, 'utf8')).split('\n').filter((l) => l.length > 0);
  const columns = (header ?? '').split('\t');
  const uuid = columns.indexOf('uuid');
  const identifier = columns.indexOf('identifier');
  if (uuid < 0 || identifier < 0) throw new Error(`${urlList}: expected uuid and identifier columns, found ${columns.join(', ')}`);
  const entries = lines.map((line) => {
    const cells = line.split('\t');
    return `${cells[identifier]}\n  out=${cells[uuid]}\n`;
  });
  await writeFile(file, entries.join(''));
}

/** Files aria2c finished: a file still being written has a `.aria2` control file beside it. */
async function finishedFiles(dir: string): Promise<number> {
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  let n = 0;
  for (const name of names) if (!name.endsWith('.aria2') && !names.has(`${name}.aria2`)) n++;
  return n;
}

export function aria2Client(concurrency: number): Client {
  return { name: ARIA2C, run: (input) => runAria2(ARIA2C, concurrency, input) };
}

async function runAria2(name: string, concurrency: number, input: ClientInput): Promise<ClientRun> {
  const outputDir = path.join(input.runDir, 'files');
  await mkdir(outputDir, { recursive: true });
  const list = path.join(input.runDir, 'aria2-input.txt');
  await inputFile(input.urlList, list);
  const args = [
    `--input-file=${list}`,
    `--dir=${outputDir}`,
    `--max-concurrent-downloads=${concurrency}`,
    // One connection per file, as an image is small; retries like the pipeline's max_retries 3.
    '--split=1',
    '--max-connection-per-server=1',
    '--max-tries=4',
    '--retry-wait=1',
    '--connect-timeout=10',
    '--timeout=30',
    '--deferred-input=true',
    '--file-allocation=none',
    '--auto-file-renaming=false',
    '--allow-overwrite=true',
    '--console-log-level=error',
    '--summary-interval=0',
    '--download-result=hide',
  ];
  const startMs = Date.now();
  const child = spawn(ARIA2C, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  input.onStart(startMs);
  let errorLines = 0;
  const countErrors = (chunk: Buffer): void => void (errorLines += chunk.toString().split('\n').filter(Boolean).length);
  child.stdout.on('data', countErrors);
  child.stderr.on('data', countErrors);
  let stoppedMs: number | undefined;
  const deadline = setTimeout(() => {
    stoppedMs = Date.now();
    kill();
  }, Math.max(0, input.deadlineMs - Date.now()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const endMs = stoppedMs ?? Date.now();
  clearTimeout(deadline);
  process.removeListener('exit', kill);

  const notes = [`aria2c -j ${concurrency}: every saved file counts as an image (aria2c does not look inside)`];
  if (stoppedMs !== undefined) notes.push(`stopped at the deadline after ${((endMs - startMs) / 1000).toFixed(0)} s`);
  else if (code !== 0) notes.push(`aria2c exited with code ${code} (some downloads failed; ${errorLines} error lines)`);
  input.log(`aria2c: exit ${code ?? 'killed'}`);
  return {
    client: name,
    startMs,
    endMs,
    images: await finishedFiles(outputDir),
    finished: stoppedMs === undefined,
    epochs: [],
    outputDir,
    notes,
  };
}
