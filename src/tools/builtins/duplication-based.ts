/**
 * `duplication_based`: of all images with one `hashsum_original`, keeps the first by server name,
 * partition and uuid, and picks the others, each naming the copy it repeats. Grouping by hash
 * needs the whole dataset: rows are spilled into files by hash prefix, and each prefix's file is
 * grouped on its own, so memory holds one prefix's rows, not the dataset's.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SpillFiles } from '../../io/spill.js';
import type { Partition } from '../../pipeline/schedule.js';
import { successesFile } from '../batches.js';
import { FilterTool, type FilterOutput, type Selection } from '../filter.js';
import { streamSuccessMeta } from '../rows.js';

/** Hex digits of the hash that pick its spill file: 4,096 files, so a billion rows make ~250k per file. */
const PREFIX_DIGITS = 3;
const SPILL_BUFFER_BYTES = 32 * 1024 * 1024;

/** [hash, server_name, partition_id, uuid, batch index]. */
type Copy = [string, string, number, string, number];

function compareCopies(a: Copy, b: Copy): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  if (a[2] !== b[2]) return a[2] - b[2];
  return a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0;
}

export class DuplicationFilter extends FilterTool {
  async run(batches: readonly Partition[], output: FilterOutput): Promise<void> {
    const scratch = this.ctx.paths.scratch;
    await fs.rm(scratch, { recursive: true, force: true });
    const progress = this.ctx.progress('filter', 'batches');
    const byHash = new SpillFiles(path.join(scratch, 'hashes'), SPILL_BUFFER_BYTES);
    const prefixes = new Set<string>();
    for (const [index, batch] of batches.entries()) {
      for await (const rows of streamSuccessMeta(successesFile(this.ctx.layout, batch))) {
        for (const row of rows) {
          if (!row.hashsum_original) continue;
          const prefix = row.hashsum_original.slice(0, PREFIX_DIGITS);
          prefixes.add(prefix);
          const copy: Copy = [row.hashsum_original, row.server_name, batch.partition_id, row.uuid, index];
          byHash.append(prefix, JSON.stringify(copy));
        }
      }
      progress.update((index + 1) / batches.length, index + 1);
    }
    byHash.flush();
    progress.done(batches.length);

    // Picks go to one spill file per batch, so that each batch's selection is written whole.
    const picks = new SpillFiles(path.join(scratch, 'picks'), SPILL_BUFFER_BYTES);
    for (const prefix of [...prefixes].sort()) {
      const groups = new Map<string, Copy[]>();
      for await (const lines of byHash.lines(prefix)) {
        for (const line of lines) {
          if (line === '') continue;
          const copy = JSON.parse(line) as Copy;
          const group = groups.get(copy[0]);
          if (group) group.push(copy);
          else groups.set(copy[0], [copy]);
        }
      }
      byHash.discard(prefix);
      for (const group of groups.values()) {
        if (group.length < 2) continue;
        group.sort(compareCopies);
        const [, keptServer, keptPartition, keptUuid] = group[0]!;
        const detail = `duplicate of ${keptUuid} (server_name ${keptServer}, partition_id ${keptPartition})`;
        for (const copy of group.slice(1)) {
          const pick: Selection = { uuid: copy[3], reason: 'duplicate', detail, reference_uuid: keptUuid };
          picks.append(String(copy[4]), JSON.stringify(pick));
        }
      }
    }
    picks.flush();

    for (const [index, batch] of batches.entries()) {
      if (!picks.has(String(index))) continue;
      const selection: Selection[] = [];
      for await (const lines of picks.lines(String(index))) {
        for (const line of lines) if (line !== '') selection.push(JSON.parse(line) as Selection);
      }
      await output.add(batch, selection);
    }
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
