/**
 * Profiling: the Python tool's "fake" profiler. It lists every server with its number of batches and
 * a starting `rate_limit` (`default_rate_limit`), which only seeds the controller's initial budget.
 * Servers named in ignored.csv are left out and reported.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { readCsv, writeCsvAtomic } from '../io/csv.js';
import type { StageContext } from './context.js';
import { SERVERS_INDEX } from './initialize.js';

export const PROFILE_COLUMNS = ['server_name', 'total_batches', 'success_count', 'error_count', 'rate_limit'] as const;

export interface ProfileSummary {
  servers: number;
  ignored: string[];
  /** Names in ignored.csv that no input row uses (probably a typo). */
  ignoredUnknown: string[];
}

/** Server names from ignored.csv (header `server_name`), or an empty set when there is none. */
export async function readIgnored(file: string): Promise<Set<string>> {
  const rows = await readCsv(file);
  if (rows === null) return new Set();
  if (rows.length > 0 && !('server_name' in rows[0]!)) {
    throw new Error(`${file}: expected a header line "server_name"`);
  }
  return new Set(rows.map((r) => r.server_name!.toLowerCase()).filter((s) => s !== ''));
}

export interface ServerIndexRow {
  server_name: string;
  folder: string;
  first_partition: number;
  partitions: number;
  rows: number;
}

export async function readServerIndex(urlsFolder: string): Promise<ServerIndexRow[]> {
  const file = path.join(urlsFolder, SERVERS_INDEX);
  const rows = await readCsv(file);
  if (rows === null) throw new Error(`${file} is missing: initialization has not finished`);
  return rows.map((r) => ({
    server_name: r.server_name!,
    folder: r.folder!,
    first_partition: Number(r.first_partition),
    partitions: Number(r.partitions),
    rows: Number(r.rows),
  }));
}

export async function profile(config: LoadedConfig, ctx: StageContext): Promise<ProfileSummary> {
  const { layout, log } = ctx;
  const ignored = await readIgnored(layout.ignored);
  const servers = await readServerIndex(layout.urls);
  const rate = config.downloader_parameters.default_rate_limit;
  const kept = servers.filter((s) => !ignored.has(s.server_name));
  const known = new Set(servers.map((s) => s.server_name));
  await writeCsvAtomic(layout.profiles, PROFILE_COLUMNS, kept.map((s) => [s.server_name, s.partitions, 0, 0, rate]));
  const summary: ProfileSummary = {
    servers: kept.length,
    ignored: [...ignored].filter((s) => known.has(s)).sort(),
    ignoredUnknown: [...ignored].filter((s) => !known.has(s)).sort(),
  };
  if (summary.ignored.length) log.info({ ignored: summary.ignored }, `${summary.ignored.length} servers ignored (from ${layout.ignored})`);
  if (summary.ignoredUnknown.length) {
    log.warn({ unknown: summary.ignoredUnknown }, `${summary.ignoredUnknown.length} servers in ${layout.ignored} have no URLs in the input`);
  }
  return summary;
}

/** profiles.csv as a map server_name → rate_limit (the controller's seeds). */
export async function readProfiles(file: string): Promise<Map<string, number>> {
  const rows = await readCsv(file);
  if (rows === null) throw new Error(`${file} is missing: profiling has not finished`);
  return new Map(rows.map((r) => [r.server_name!, Number(r.rate_limit)]));
}
