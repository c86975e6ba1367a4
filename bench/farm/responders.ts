/**
 * How each URL kind is answered once its request has been served its service time. Every body comes
 * from a buffer prepared once; per request only small header arrays are built.
 */
import type { ServerResponse } from 'node:http';
import type { FarmImage, ImageSet } from './images.js';
import { HUGE_BODY_BYTES, nextHop, type UrlSpec } from './url-spec.js';

/** What a responder may do with the exchange it answers. */
export interface Reply {
  readonly res: ServerResponse;
  readonly id: string;
  /** `http://address:port` of the host, for absolute redirect targets. */
  readonly origin: string;
  /** Host's body throttle in bytes/s; undefined when unthrottled. */
  readonly bodyBytesPerSec: number | undefined;
  /** True once the connection or response has closed; pending work must stop. */
  readonly closed: boolean;
  /** Sends status line and headers (a flat [name, value, …] list) and records TTFB and status. */
  head(status: number, headers: readonly string[]): void;
  /** Runs `fn` after `ms` unless the exchange closes first. One pending timer per exchange. */
  later(ms: number, fn: () => void): void;
  /** Leaves the connection open, bounded: the farm drops it after its maximum hold time. */
  hold(): void;
}

/** Throttled bodies are written in slices this often. */
const BODY_TICK_MS = 50;
const FILLER = Buffer.alloc(64 * 1024);
const HTML = Buffer.from('<!doctype html><html><head><title>Not an image</title></head><body><p>This page is not an image.</p></body></html>\n');
const EMPTY = Buffer.alloc(0);

const imageHeaderCache = new WeakMap<FarmImage, readonly string[]>();

function imageHeaders(image: FarmImage): readonly string[] {
  let headers = imageHeaderCache.get(image);
  if (!headers) {
    headers = ['Content-Type', image.contentType, 'Content-Length', String(image.bytes.length)];
    imageHeaderCache.set(image, headers);
  }
  return headers;
}

function sendBody(reply: Reply, bytes: Buffer): void {
  const rate = reply.bodyBytesPerSec;
  if (!rate) {
    reply.res.end(bytes);
    return;
  }
  const slice = Math.max(1, Math.round((rate * BODY_TICK_MS) / 1000));
  let offset = 0;
  const step = (): void => {
    const end = Math.min(bytes.length, offset + slice);
    const part = bytes.subarray(offset, end);
    offset = end;
    if (offset >= bytes.length) {
      reply.res.end(part);
    } else {
      reply.res.write(part);
      reply.later(BODY_TICK_MS, step);
    }
  };
  step();
}

function sendImage(reply: Reply, image: FarmImage): void {
  reply.head(200, imageHeaders(image));
  sendBody(reply, image.bytes);
}

function sendText(reply: Reply, status: number, type: string, body: Buffer): void {
  reply.head(status, ['Content-Type', type, 'Content-Length', String(body.length)]);
  reply.res.end(body);
}

function redirect(reply: Reply, spec: UrlSpec & { kind: 'redirect' | 'loop' }): void {
  reply.head(302, ['Location', reply.origin + nextHop(spec, reply.id), 'Content-Length', '0']);
  reply.res.end();
}

/** Streams HUGE_BODY_BYTES of filler, respecting backpressure, until done or the client leaves. */
function streamHuge(reply: Reply): void {
  reply.head(200, ['Content-Type', 'image/jpeg', 'Content-Length', String(HUGE_BODY_BYTES)]);
  let left = HUGE_BODY_BYTES;
  const pump = (): void => {
    while (left > 0 && !reply.closed) {
      const n = Math.min(left, FILLER.length);
      left -= n;
      const more = reply.res.write(n === FILLER.length ? FILLER : FILLER.subarray(0, n));
      if (left === 0) reply.res.end();
      else if (!more) {
        reply.res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

function sendHalf(reply: Reply, image: FarmImage): void {
  reply.head(200, imageHeaders(image));
  reply.res.write(image.bytes.subarray(0, image.bytes.length >> 1));
}

export function respond(reply: Reply, spec: UrlSpec, images: ImageSet): void {
  switch (spec.kind) {
    case 'img':
      return sendImage(reply, images[spec.variant]);
    case 'redirect':
    case 'loop':
      return redirect(reply, spec);
    case 'status':
      return sendText(reply, spec.code, 'text/plain', Buffer.from(`${spec.code}\n`));
    case 'html':
      return sendText(reply, 200, 'text/html; charset=utf-8', HTML);
    case 'huge':
      return streamHuge(reply);
    case 'truncated':
      // Content-Length promises the whole image; half arrives, then the server closes the connection.
      sendHalf(reply, images[spec.variant]);
      reply.res.socket?.end();
      return;
    case 'stall':
      sendHalf(reply, images[spec.variant]);
      return reply.hold();
    case 'hang':
      return reply.hold();
    case 'reset':
      reply.res.socket?.resetAndDestroy();
      return;
  }
}

/** Answer for request targets that are not farm URLs. */
export function notFound(reply: Reply): void {
  sendText(reply, 404, 'text/plain', EMPTY);
}
