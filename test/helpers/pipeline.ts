/** Writing inputs and configs for pipeline tests, and reading the output back with DuckDB. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { lit, query } from './duckdb.js';

export function writeYaml(file: string, value: unknown): string {
  writeFileSync(file, stringify(value));
  return file;
}

/** Every accepted row (all urls batches) with the folder it sits in. */
export async function acceptedRows(output: string): Promise<Record<string, unknown>[]> {
  const glob = path.join(output, 'urls', '*', '*', 'urls.parquet');
  return query(
    `select *, regexp_extract(filename, 'server_name=([^/]*)/partition_id=(\\d+)', 1) as folder,
            cast(regexp_extract(filename, 'partition_id=(\\d+)', 1) as integer) as partition
     from read_parquet(${lit(glob)}, hive_partitioning = false, filename = true) order by row_number`,
  );
}

export async function rejectedRows(output: string): Promise<Record<string, unknown>[]> {
  return query(`select * from read_parquet(${lit(path.join(output, 'rejected.parquet'))}) order by row_number`);
}
