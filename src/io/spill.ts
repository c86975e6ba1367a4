/**
 * Keyed temporary files with bounded write buffers: lines are buffered per key and appended to the
 * key's file when the buffers together exceed the budget, so memory does not grow with the input.
 */
import { appendFileSync, createReadStream, mkdirSync, rmSync } from 'node:fs';
import { lineBatches } from './lines.js';
import path from 'node:path';

export class SpillFiles {
  private readonly files = new Map<string, string>();
  private readonly buffers = new Map<string, string[]>();
  private bufferedBytes = 0;

  constructor(private readonly dir: string, private readonly budgetBytes: number) {
    mkdirSync(dir, { recursive: true });
  }

  append(key: string, line: string): void {
    let buf = this.buffers.get(key);
    if (!buf) {
      buf = [];
      this.buffers.set(key, buf);
      // File names are indices, not keys: keys are host names, which may not be valid file names.
      if (!this.files.has(key)) this.files.set(key, path.join(this.dir, `${this.files.size}.jsonl`));
    }
    buf.push(line);
    this.bufferedBytes += line.length + 1;
    if (this.bufferedBytes > this.budgetBytes) this.flush();
  }

  flush(): void {
    for (const [key, buf] of this.buffers) appendFileSync(this.files.get(key)!, buf.join('\n') + '\n');
    this.buffers.clear();
    this.bufferedBytes = 0;
  }

  has(key: string): boolean {
    return this.files.has(key);
  }

  /** Lines of one key in the order they were appended, a chunk's worth at a time. Call flush() first. */
  async *lines(key: string): AsyncGenerator<string[]> {
    const file = this.files.get(key);
    if (!file) return;
    yield* lineBatches(createReadStream(file, { highWaterMark: 1 << 20 }));
  }

  /** Deletes one key's file once it has been consumed, to give the disk space back early. */
  discard(key: string): void {
    const file = this.files.get(key);
    if (file) rmSync(file, { force: true });
  }
}
