/**
 * Initialization benchmark: generates N rows over 500 big servers and a long tail of 100,000 servers,
 * then times our initialization and DuckDB's partitioned COPY of the same file, side by side in one run.
 *   npm run bench:init -- --rows 1000000 [--rows 10000000] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generateInput } from './generate.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', multiple: true, default: ['1000000'] }, keep: { type: 'boolean', default: false } },
});
const child = fileURLToPath(new URL('./child.js', import.meta.url));

function measure(args: string[]): { seconds: number; maxRssMiB: number } {
  const out = execFileSync(process.execPath, [child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number; maxRssMiB: number };
}

const results: Record<string, unknown>[] = [];
for (const rowsText of values.rows) {
  const rows = Number(rowsText);
  const dir = mkdtempSync(path.join(tmpdir(), 'dd-bench-init-'));
  const input = path.join(dir, 'urls.tsv');
  await generateInput(input, { rows });
  const config = path.join(dir, 'config.yaml');
  writeFileSync(config, stringify({ path_to_input: input, path_to_output: path.join(dir, 'ours') }));
  const ours = measure(['ours', config]);
  const duck = measure(['duckdb', input, path.join(dir, 'duckdb')]);
  const row = {
    rows,
    input_mib: +(statSync(input).size / 2 ** 20).toFixed(1),
    ours_s: +ours.seconds.toFixed(2),
    ours_rows_per_s: Math.round(rows / ours.seconds),
    ours_peak_rss_mib: Math.round(ours.maxRssMiB),
    duckdb_s: +duck.seconds.toFixed(2),
    duckdb_rows_per_s: Math.round(rows / duck.seconds),
    duckdb_peak_rss_mib: Math.round(duck.maxRssMiB),
    time_ratio: +(ours.seconds / duck.seconds).toFixed(2),
  };
  results.push(row);
  console.log(JSON.stringify(row));
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
console.table(results);
