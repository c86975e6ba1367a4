/**
 * The batches a tool works on: every folder under images/ with its `completed` marker. A batch
 * still being downloaded (no marker) is left alone; its successes file may be replaced at any time.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parquetRowCount } from '../io/parquet.js';
import { SUCCESSES_FILE } from '../pipeline/batch-output.js';
import { hiveUnescape, type Layout } from '../pipeline/layout.js';
import type { Partition } from '../pipeline/schedule.js';

/** `server_name=<escaped>` → the server name, or null for other entries. */
function folderValue(entry: string, key: string): string | null {
  return entry.startsWith(`${key}=`) ? hiveUnescape(entry.slice(key.length + 1)) : null;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The marker records the batch's success count; the file is counted when an older marker does not. */
async function successCount(layout: Layout, serverName: string, partitionId: number): Promise<number> {
  const marker = await fs.readFile(layout.completedMarker(serverName, partitionId), 'utf8');
  try {
    const { successes } = JSON.parse(marker) as { successes?: unknown };
    if (typeof successes === 'number') return successes;
  } catch {
    // not JSON: fall through to counting
  }
  return parquetRowCount(path.join(layout.imagesBatchDir(serverName, partitionId), SUCCESSES_FILE));
}

/**
 * Completed batches that hold at least one image, with their image count as `rows`; in a fixed
 * order (server folder, then partition), so every run and every rank sees the same list.
 */
export async function completedBatches(layout: Layout): Promise<Partition[]> {
  const batches: Partition[] = [];
  for (const serverEntry of (await listDir(layout.images)).sort()) {
    const serverName = folderValue(serverEntry, 'server_name');
    if (serverName === null) continue;
    const ids = (await listDir(path.join(layout.images, serverEntry)))
      .map((e) => folderValue(e, 'partition_id'))
      .filter((v): v is string => v !== null && /^\d+$/.test(v))
      .map(Number)
      .sort((a, b) => a - b);
    for (const partitionId of ids) {
      let rows: number;
      try {
        rows = await successCount(layout, serverName, partitionId);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        continue;
      }
      if (rows > 0) batches.push({ server_name: serverName, partition_id: partitionId, rows });
    }
  }
  return batches;
}

export function successesFile(layout: Layout, batch: Pick<Partition, 'server_name' | 'partition_id'>): string {
  return path.join(layout.imagesBatchDir(batch.server_name, batch.partition_id), SUCCESSES_FILE);
}
