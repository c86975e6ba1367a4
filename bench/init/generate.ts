/** Writes a benchmark URL list: 500 big servers plus a long tail of 100,000 servers with 1–3 URLs each. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface GenerateOptions {
  rows: number;
  /** Servers sharing the bulk of the rows. Default 500. */
  bigServers?: number;
  /** Servers with 1–3 URLs each. Default 100,000. */
  tailServers?: number;
}

export async function generateInput(file: string, opts: GenerateOptions): Promise<void> {
  const big = opts.bigServers ?? 500;
  const tail = opts.tailServers ?? 100_000;
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('uuid\tidentifier\tsource_id\tlicense\tsource\ttitle\n');
  let n = 0;
  // Deterministic pseudo-random tail sizes (1–3) without a seeded RNG dependency.
  for (let h = 0; h < tail && n < opts.rows; h++) {
    const count = 1 + ((h * 2654435761) >>> 0) % 3;
    for (let i = 0; i < count && n < opts.rows; i++, n++) {
      await write(`t-${n}\thttps://tail${h}.example.net/media/${i}.jpg\t${n}\tCC-BY\ttail${h}\timage ${n}\n`);
    }
  }
  for (; n < opts.rows; n++) {
    const h = n % big;
    await write(`b-${n}\thttps://images${h}.museum.example/photos/${n}.jpg\t${n}\tCC0\tmuseum ${h}\tspecimen ${n}\n`);
  }
  out.end();
  await once(out, 'finish');
}
