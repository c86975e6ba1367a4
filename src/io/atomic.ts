/**
 * Atomic file writes: other processes and later runs must never see a half-written file, so every
 * file they read is written to a temporary name in the same folder and renamed into place.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temporary path beside `target`, unique per call, hidden from readers that glob `*.parquet`. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** tempPathFor's names: `.<target>.<pid>.<8 hex>.tmp`; the target's base name is group 1. */
const TEMP_NAME = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temporary files that writers of `targets` left when they were killed before their
 * rename, listing each folder once (a server's folder of records may hold thousands). Only the
 * process that writes those targets may call it: another writer's temporary file would vanish
 * before its rename.
 */
export async function removeStaleTemps(targets: Iterable<string>): Promise<void> {
  const byDir = new Map<string, Set<string>>();
  for (const target of targets) {
    const dir = path.dirname(target);
    const names = byDir.get(dir) ?? new Set<string>();
    names.add(path.basename(target));
    byDir.set(dir, names);
  }
  for (const [dir, names] of byDir) {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch {
      continue;
    }
    const stale = entries.filter((e) => names.has(TEMP_NAME.exec(e)?.[1] ?? ''));
    await Promise.all(stale.map((e) => fs.rm(path.join(dir, e), { force: true })));
  }
}

/**
 * Writes `data` to `target` atomically. `durable` also flushes it to disk before the rename, which
 * only matters for surviving a machine crash (a killed process loses nothing either way), so it is
 * kept for the few files that record progress, not the bulk data.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, durable = false): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, target);
}

/** JSON state files (checkpoint, summaries) are written durably. */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n', true);
}

/** Runs `produce(tmpPath)` and renames the result to `target` only when it succeeded. */
export async function produceAtomic(target: string, produce: (tmpPath: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await produce(tmp);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
