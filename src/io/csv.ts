/** Small CSV helpers for the tool's own tables (profiles.csv, schedules): RFC 4180 quoting. */
import { promises as fs } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic } from './atomic.js';

export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: ReadonlyArray<string | number | boolean | null>): string {
  return values.map(csvField).join(',');
}

export async function writeCsvAtomic(
  file: string,
  header: readonly string[],
  rows: Iterable<ReadonlyArray<string | number | boolean | null>>,
): Promise<void> {
  const lines = [csvLine(header)];
  for (const row of rows) lines.push(csvLine(row));
  await writeFileAtomic(file, lines.join('\n') + '\n');
}

/** Reads a CSV with a header line into records; a missing file gives null. */
export async function readCsv(file: string): Promise<Record<string, string>[] | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
}
