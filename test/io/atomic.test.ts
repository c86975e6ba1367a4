import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { removeStaleTemps, tempPathFor, writeFileAtomic } from '../../src/io/atomic.js';
import { tempDir } from '../helpers/tmp.js';

describe('atomic writes', () => {
  it('removes the temporary files a killed writer left for the given targets, and nothing else', async () => {
    const dir = tempDir('dd-atomic-');
    const mine = path.join(dir, 'partition_id=1.json');
    const theirs = path.join(dir, 'partition_id=10.json');
    await writeFileAtomic(mine, 'done\n');
    // What a kill between writing and renaming leaves: a temporary file for each target.
    writeFileSync(tempPathFor(mine), 'half');
    writeFileSync(tempPathFor(mine), 'half');
    writeFileSync(tempPathFor(theirs), 'half');
    writeFileSync(path.join(dir, '.partition_id=1.json.notes'), 'not a temporary file');
    await removeStaleTemps([mine, path.join(dir, 'missing', 'partition_id=2.json')]);
    const left = readdirSync(dir).sort();
    assert.equal(left.length, 3, left.join(' '));
    assert.ok(left.includes('partition_id=1.json'));
    assert.ok(left.includes('.partition_id=1.json.notes'));
    assert.ok(left.some((f) => f.startsWith('.partition_id=10.json.') && f.endsWith('.tmp')), 'another target keeps its file');
  });
});
