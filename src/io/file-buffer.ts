/**
 * Whole files read into one reused buffer. Fresh memory is costly (every new page faults in, which
 * on some virtual machines costs more than reading the bytes from the page cache), so a thread that
 * reads many spill files one after another keeps one buffer and grows it only when a file is bigger.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class FileBuffer {
  private buf: Buffer = Buffer.allocUnsafe(0);

  /** The file's bytes: a view of the shared buffer, valid until the next read(). */
  read(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(size, Math.ceil(this.buf.length * 1.5)));
      let at = 0;
      while (at < size) {
        const n = readSync(fd, this.buf, at, size - at, at);
        if (n === 0) break;
        at += n;
      }
      return this.buf.subarray(0, at);
    } finally {
      closeSync(fd);
    }
  }
}
