/** Loopback HTTP servers that measure what the engine does to them, and small fixtures. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { ENGINE_DEFAULTS, type EngineOptions } from '../../src/engine/options.js';

/** Counts requests being served at once (on one server, or shared by several). */
export class ConcurrencyMeter {
  current = 0;
  peak = 0;

  enter(): number {
    this.current++;
    this.peak = Math.max(this.peak, this.current);
    return this.current;
  }

  leave(): void {
    this.current--;
  }
}

export interface Arrival {
  path: string;
  /** ms since the server started (monotonic). */
  at: number;
  /** Date.now() at arrival, to compare with absolute times such as blockedUntil. */
  wall: number;
  /** Requests being served on this server when this one arrived (itself included). */
  concurrency: number;
}

export interface TestServer {
  /** e.g. http://127.0.0.3:41234 */
  readonly base: string;
  /** host:port, the dispatcher's host key. */
  readonly hostKey: string;
  readonly meter: ConcurrencyMeter;
  readonly arrivals: Arrival[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Starts a server on `address` (any 127.0.0.x works on Linux) and a free port. */
export async function startServer(handler: Handler, address = '127.0.0.1', shared?: ConcurrencyMeter): Promise<TestServer> {
  const meter = new ConcurrencyMeter();
  const arrivals: Arrival[] = [];
  const started = performance.now();
  const server = http.createServer((req, res) => {
    const concurrency = meter.enter();
    shared?.enter();
    arrivals.push({ path: req.url ?? '', at: performance.now() - started, wall: Date.now(), concurrency });
    res.on('close', () => {
      meter.leave();
      shared?.leave();
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://${address}:${port}`,
    hostKey: `${address}:${port}`,
    meter,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Engine options for loopback tests: private addresses allowed, short deadlines. */
export function testEngineOptions(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    ...ENGINE_DEFAULTS,
    allow_private_addresses: true,
    connect_timeout_ms: 2_000,
    ttfb_timeout_ms: 2_000,
    body_stall_timeout_ms: 2_000,
    total_timeout_ms: 5_000,
    backoff_base_ms: 10,
    backoff_max_ms: 100,
    ...overrides,
  };
}

/** A JPEG of `width`×`height` filled with one colour. */
export function solidJpeg(width: number, height: number, background = { r: 200, g: 30, b: 60 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).jpeg().toBuffer();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
