/**
 * The URL list a scenario hands to the downloader: TSV with a header line and the columns the
 * initializer reads. uuids are derived from scenario, seed and URL id, so they survive a change of
 * port. Rows are shuffled (seeded), as real lists are: a client that takes URLs in file order, such
 * as the aria2c baseline, would otherwise hit one host at a time.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScenarioPlan } from './plan.js';
import { createRng, deriveSeed } from './rng.js';
import { urlPath } from './url-spec.js';

export interface UrlRow {
  readonly uuid: string;
  readonly identifier: string;
  readonly source_id: string;
  readonly license: string;
  readonly source: string;
  readonly title: string;
}

export const URL_LIST_COLUMNS = ['uuid', 'identifier', 'source_id', 'license', 'source', 'title'] as const;

const LICENSES = [
  'https://creativecommons.org/licenses/by/4.0/',
  'https://creativecommons.org/licenses/by-sa/4.0/',
  'https://creativecommons.org/publicdomain/zero/1.0/',
];

/** A name-based (version 5 style) UUID from SHA-1. */
function deterministicUuid(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function urlRows(plan: ScenarioPlan, port: number): UrlRow[] {
  const rows: UrlRow[] = [];
  for (const host of plan.hosts) {
    const origin = `http://${host.address}:${port}`;
    host.urls.forEach((spec, j) => {
      const id = String(rows.length);
      rows.push({
        uuid: deterministicUuid(`${plan.name}\u0000${plan.seed}\u0000${id}`),
        identifier: origin + urlPath(spec, id),
        source_id: `${plan.name}-${host.index}-${j}`,
        license: LICENSES[rows.length % LICENSES.length]!,
        source: `farm:${plan.name}`,
        title: `${host.spec.label} host ${host.index}, ${spec.kind} ${id}`,
      });
    });
  }
  const rng = createRng(deriveSeed(plan.seed, rows.length));
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows;
}

export function toTsv(rows: readonly UrlRow[]): string {
  const lines = [URL_LIST_COLUMNS.join('\t')];
  // No value contains a tab or newline: all are generated above.
  for (const row of rows) lines.push(URL_LIST_COLUMNS.map((c) => row[c]).join('\t'));
  return lines.join('\n') + '\n';
}

/** Writes the TSV atomically, creating its folder. */
export async function writeUrlList(rows: readonly UrlRow[], file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, toTsv(rows));
  await rename(tmp, file);
}
