/** Splitting a byte stream into lines, a chunk at a time. */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Lines of a text stream, a chunk's worth at a time: per-line async iteration (readline) costs more
 * than the parsing of the lines. Empty lines are kept; a last line without a newline is yielded too.
 */
export async function* lineBatches(stream: Readable): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop()!;
    if (lines.length) yield lines;
  }
  rest += decoder.end();
  if (rest !== '') yield [rest];
}
