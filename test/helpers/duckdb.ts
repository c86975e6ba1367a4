/** DuckDB as the independent reader of every Parquet file the tool writes. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let connection: Promise<DuckDBConnection> | null = null;

async function connect(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

/** Rows of a query as plain objects (BIGINT as bigint, lists as arrays). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  connection ??= connect();
  const reader = await (await connection).runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** A path quoted as a DuckDB string literal. */
export function lit(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}
