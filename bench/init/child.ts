/**
 * One measured initialization in its own process (so peak RSS is its own): `ours <config>` or
 * `duckdb <input> <outdir>`. Prints one JSON line {seconds, maxRssMiB}.
 */
import { loadConfig } from '../../src/config/index.js';
import { Layout } from '../../src/pipeline/layout.js';
import { initialize } from '../../src/pipeline/initialize.js';
import { ProgressReporter } from '../../src/pipeline/progress.js';
import pino from 'pino';

const [mode, a, b] = process.argv.slice(2);
const started = performance.now();
if (mode === 'ours') {
  const config = loadConfig(a!);
  const reporter = new ProgressReporter({ live: false, plainIntervalSeconds: 3600 });
  await initialize(config, {
    layout: new Layout(config),
    log: pino({ level: 'silent' }),
    progress: (label, unit) => reporter.start(label, unit),
  });
} else if (mode === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  // The same partitioning as ours: servers with fewer than 100 URLs packed under _small, batches of 10,000.
  await c.run(
    `copy (
       with t as (
         select *, lower(regexp_extract(identifier, '^[a-zA-Z]+://([^/?#]+)', 1)) as server_name
         from read_csv(${q(a!)}, delim = '\t', header = true, quote = '', all_varchar = true)),
       f as (
         select *, case when count(*) over (partition by server_name) < 100 then '_small' else server_name end as folder
         from t)
       select *, (row_number() over (partition by folder order by server_name) - 1) // 10000 as partition_id from f)
     to ${q(b!)} (format parquet, partition_by (folder, partition_id), overwrite_or_ignore true)`,
  );
} else {
  throw new Error(`usage: child.js ours <config> | duckdb <input> <outdir>`);
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
