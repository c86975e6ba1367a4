/**
 * A plain node:http client for the farm tests: one fresh connection per request, an idle timeout, and
 * a record of exactly what arrived (status, headers, bytes, when, and how it ended).
 */
import { get, type IncomingHttpHeaders } from 'node:http';

export interface RawResult {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Node's error code (ECONNREFUSED, ECONNRESET, …) or TIMEOUT after `timeoutMs` of silence. */
  readonly error?: string;
  /** Request start to response headers. */
  readonly ttfbMs?: number;
  readonly totalMs: number;
  /** True when the whole declared body arrived. */
  readonly complete: boolean;
}

export interface RawOptions {
  /** Socket idle time before giving up, ms. Default 2000. */
  timeoutMs?: number;
  /** Close the connection as soon as headers arrive. Default false. */
  headersOnly?: boolean;
}

export function rawGet(url: string, options: RawOptions = {}): Promise<RawResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let ttfbMs: number | undefined;
    let status: number | undefined;
    let headers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    const finish = (complete: boolean, error?: string): void => {
      if (settled) return;
      settled = true;
      resolve({
        status,
        headers,
        body: Buffer.concat(chunks),
        ...(error ? { error } : {}),
        ...(ttfbMs === undefined ? {} : { ttfbMs }),
        totalMs: performance.now() - start,
        complete,
      });
    };
    const req = get(url, { agent: false }, (res) => {
      ttfbMs = performance.now() - start;
      status = res.statusCode;
      headers = res.headers;
      if (options.headersOnly) {
        res.destroy();
        return finish(false);
      }
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
      res.on('close', () => finish(res.complete, res.complete ? undefined : 'ABORTED'));
    });
    req.setTimeout(options.timeoutMs ?? 2000, () => {
      finish(false, 'TIMEOUT');
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
  });
}

/** Follows up to `maxHops` redirects; returns every answer in order. */
export async function followRedirects(url: string, maxHops: number, options: RawOptions = {}): Promise<RawResult[]> {
  const answers: RawResult[] = [];
  let next: string | undefined = url;
  for (let hop = 0; next !== undefined && hop <= maxHops; hop++) {
    const answer = await rawGet(next, options);
    answers.push(answer);
    const location = answer.status === 302 ? answer.headers?.location : undefined;
    next = location === undefined ? undefined : new URL(location, next).href;
  }
  return answers;
}

/** Runs `n` requests at once. */
export function concurrently(n: number, url: string, options?: RawOptions): Promise<RawResult[]> {
  return Promise.all(Array.from({ length: n }, () => rawGet(url, options)));
}
