/**
 * A real download for the tools tests: a farm whose images come in several sizes, where many URLs
 * serve the same bytes (duplicates by hash) and a few URLs are listed twice, downloaded once by the
 * real pipeline; each test then works on its own copy of the output.
 */
import { appendFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { hostSpec, planScenario, startFarm, type Farm, type HostDraft, type ImageVariant, type UrlSpec } from '../../bench/farm/index.js';
import { validateConfig, runPipeline, type LoadedConfig } from '../../src/index.js';
import { lit, query } from '../helpers/duckdb.js';
import { writeYaml } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';

function images(counts: Partial<Record<ImageVariant, number>>): UrlSpec[] {
  return Object.entries(counts).flatMap(([variant, n]) => Array.from({ length: n }, (): UrlSpec => ({ kind: 'img', variant: variant as ImageVariant })));
}

const host = (label: string, urls: UrlSpec[]): HostDraft => ({ spec: hostSpec({ label, capacity: 8, service: { medianMs: 2, sigma: 0 } }), urls });

export interface Fixture {
  readonly dir: string;
  readonly farm: Farm;
  /** The downloaded output that tests copy. */
  readonly base: string;
  readonly baseConfig: Record<string, unknown>;
  /** A copy of the download, with `extra` merged into its configuration (written to `<dir>/<name>.yaml`). */
  copy(name: string, extra?: Record<string, unknown>): { config: LoadedConfig; configFile: string; out: string };
}

export interface FixtureOptions {
  /** Image URLs per host, by variant. */
  hosts: Partial<Record<ImageVariant, number>>[];
  /** URLs listed a second time under a new uuid. Default 0. */
  repeatedUrls?: number;
  batchSize: number;
  imageSize: number;
  /** More configuration for the download (and the copies), e.g. `{ image: { encoding: 'raw_bgr' } }`. */
  config?: Record<string, unknown>;
}

export async function downloadFixture(options: FixtureOptions): Promise<Fixture> {
  const dir = tempDir('dd-tools-');
  const plan = planScenario('tools', 1, options.hosts.map((counts, i) => host(`h${i}`, images(counts))));
  const farm = await startFarm(plan);
  after(() => farm.stop());
  const input = path.join(dir, 'urls.tsv');
  await farm.writeUrlList(input);
  for (let i = 0; i < (options.repeatedUrls ?? 0); i++) appendFileSync(input, `repeat-${i}\t${farm.urls[i]}\trepeat-${i}\t\t\t\n`);
  const base = path.join(dir, 'base');
  const baseConfig = {
    path_to_input: input,
    path_to_output: base,
    downloader_parameters: { batch_size: options.batchSize, image_size: options.imageSize },
    input: { small_server_urls: 5 },
    engine: { allow_private_addresses: true, connect_timeout_ms: 2000, ttfb_timeout_ms: 2000, total_timeout_ms: 8000, max_retries: 1 },
    controller: { epoch_ms: 100 },
    download: { max_rounds: 1, open_batches: 4 },
    ...options.config,
  };
  await runPipeline(validateConfig(baseConfig, path.join(dir, 'base.yaml')), { say: () => {}, progress: { live: false, write: () => {} } });
  return {
    dir,
    farm,
    base,
    baseConfig,
    copy(name, extra = {}) {
      const out = path.join(dir, name);
      cpSync(base, out, { recursive: true });
      const raw = { ...baseConfig, path_to_output: out, ...extra };
      const configFile = writeYaml(path.join(dir, `${name}.yaml`), raw);
      return { config: validateConfig(raw, configFile), configFile, out };
    },
  };
}

export const successesGlob = (out: string): string => lit(path.join(out, 'images/*/*/successes.parquet'));
export const trailGlob = (out: string, tool: string): string => lit(path.join(out, 'tools', tool, 'runs/*/trail/*/*/trail.parquet'));

/** Every success row with the batch it sits in. */
export async function successRows(out: string, columns = 'uuid, server_name, original_size, resized_size, hashsum_original, hashsum_resized'): Promise<Record<string, unknown>[]> {
  return query(
    `select ${columns}, cast(regexp_extract(filename, 'partition_id=(\\d+)', 1) as bigint) as partition_id
     from read_parquet(${successesGlob(out)}, hive_partitioning = false, filename = true) order by uuid`,
  );
}

export async function trailRows(out: string, tool: string, columns = '*'): Promise<Record<string, unknown>[]> {
  return query(`select ${columns} from read_parquet(${trailGlob(out, tool)}, hive_partitioning = false) order by uuid`);
}

export async function successesSchema(out: string): Promise<string[]> {
  const rows = await query(`describe select * from read_parquet(${successesGlob(out)}, hive_partitioning = false)`);
  return rows.map((c) => `${String(c.column_name)} ${String(c.column_type)}`);
}

/** Sizes come back from DuckDB as bigint arrays. */
export function size(value: unknown): [number, number] {
  const [h, w] = (value as bigint[]).map(Number);
  return [h!, w!];
}
