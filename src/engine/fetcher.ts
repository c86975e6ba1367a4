/**
 * One download attempt: GET with undici over keep-alive pools per origin, redirects followed by
 * hand (each target re-checked), every phase under a deadline, the body size bounded. Failures are
 * returned classified, not thrown: at this scale they are ordinary results.
 */
import { performance } from 'node:perf_hooks';
import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { bareHostname, isBlockedAddress, policyLookup } from './address-policy.js';
import { DnsCache, type Resolve } from './dns-cache.js';
import { EngineError, type ErrorContext } from './errors.js';
import { classifyNetworkError } from './network-errors.js';
import type { EngineOptions } from './options.js';
import { parseRetryAfter } from './retry.js';

export type FetchOptions = Pick<
  EngineOptions,
  | 'max_inflight'
  | 'connect_timeout_ms'
  | 'ttfb_timeout_ms'
  | 'body_stall_timeout_ms'
  | 'total_timeout_ms'
  | 'max_body_bytes'
  | 'max_redirects'
  | 'allow_private_addresses'
  | 'user_agent'
  | 'headers'
  | 'dns_cache_ttl_ms'
>;

export interface FetchSuccess {
  ok: true;
  status: number;
  body: Buffer;
  /** TTFB of the first request (to the item's own host), in ms. */
  ttfbMs: number;
  /** URL the body came from, after redirects. */
  url: string;
  redirects: number;
  contentType: string | undefined;
}

export interface FetchFailure {
  ok: false;
  error: EngineError;
  /** TTFB of the first request when it got response headers, else null. */
  ttfbMs: number | null;
}

export type FetchResult = FetchSuccess | FetchFailure;

export interface FetcherDeps {
  /** DNS resolver behind the cache (default: the system resolver). */
  resolve?: Resolve;
  /** Wall clock (ms since the Unix epoch), for Retry-After. */
  now?: () => number;
  /** Which addresses the policy refuses when private addresses are not allowed (default isBlockedAddress). */
  isBlocked?: (address: string) => boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const BUILT_IN_HEADERS: Readonly<Record<string, string>> = {
  accept: 'image/*,*/*;q=0.8',
  // Images are compressed already; asking for identity keeps byte counts and hashes those of the file.
  'accept-encoding': 'identity',
};

type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What one request/response exchange (one hop) gave; `body` only for a 2xx. */
type HopResult =
  | { ok: true; status: number; headers: ResponseHeaders; body: Buffer | null; ttfbMs: number }
  | { ok: false; error: EngineError; ttfbMs: number | null };

/**
 * Receives one response through undici's handler interface, which (unlike the stream API) tells
 * when the request was written, so TTFB excludes connecting and pool queueing.
 */
class HopHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private sentAt = 0;
  private ttfbMs: number | null = null;
  private status = 0;
  private headers: ResponseHeaders = {};
  private chunks: Buffer[] = [];
  private received = 0;
  private keepBody = false;
  private settled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly context: ErrorContext,
    private readonly settle: (result: HopResult) => void,
  ) {}

  get gotHeaders(): boolean {
    return this.ttfbMs !== null;
  }

  /** Ends the exchange early with `error` (deadline, cancellation, size limit). */
  abort(error: EngineError): void {
    // Once the request is written undici reports the abort through onResponseError, which keeps
    // an error status already received.
    if (this.controller && !this.controller.aborted) this.controller.abort(error);
    // Before the request is written there is nothing to abort yet; onRequestStart will.
    this.finish({ ok: false, error, ttfbMs: this.ttfbMs });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Abandoned (deadline, cancellation) while still connecting: do not send it at all.
    if (this.settled) controller.abort(new Error('abandoned before sending'));
    this.sentAt = performance.now();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (statusCode < 200) return;
    this.ttfbMs = performance.now() - this.sentAt;
    this.status = statusCode;
    this.headers = headers;
    // Only a success's body is kept; other bodies are drained so the connection stays reusable.
    this.keepBody = statusCode < 300;
    const declared = Number(headers['content-length']);
    if (declared > this.maxBytes) this.tooLarge(`Content-Length ${declared} exceeds ${this.maxBytes} bytes`);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) this.tooLarge(`body exceeds ${this.maxBytes} bytes`);
    else if (this.keepBody) this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.keepBody ? Buffer.concat(this.chunks, this.received) : null;
    this.finish({ ok: true, status: this.status, headers: this.headers, body, ttfbMs: this.ttfbMs ?? 0 });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    // A non-success status is the answer even if its (discarded) body then fails.
    if (this.gotHeaders && !this.keepBody) {
      this.finish({ ok: true, status: this.status, headers: this.headers, body: null, ttfbMs: this.ttfbMs ?? 0 });
      return;
    }
    this.finish({ ok: false, error: classifyNetworkError(err, this.gotHeaders, this.context), ttfbMs: this.ttfbMs });
  }

  private tooLarge(message: string): void {
    this.abort(EngineError.of('tooLarge', message, this.context));
  }

  private finish(result: HopResult): void {
    if (this.settled) return;
    this.settled = true;
    this.chunks = [];
    this.settle(result);
  }
}

export class Fetcher {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private readonly now: () => number;
  private readonly refuses: (address: string) => boolean;
  private readonly dns: DnsCache;

  constructor(
    private readonly options: FetchOptions,
    deps: FetcherDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.refuses = options.allow_private_addresses ? () => false : (deps.isBlocked ?? isBlockedAddress);
    this.dns = new DnsCache(options.dns_cache_ttl_ms, options.connect_timeout_ms, deps.resolve, this.now);
    this.agent = new Agent({
      // The dispatcher caps requests per host and overall; the pool must never be the bottleneck.
      connections: options.max_inflight,
      pipelining: 1,
      headersTimeout: options.ttfb_timeout_ms,
      bodyTimeout: options.body_stall_timeout_ms,
      connect: { timeout: options.connect_timeout_ms, lookup: policyLookup(this.dns, this.refuses) },
    });
    const configured = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]));
    this.headers = { ...BUILT_IN_HEADERS, ...configured, 'user-agent': options.user_agent };
  }

  /** Downloads `url`, following redirects; never rejects. `signal` abandons the attempt (cancelled). */
  async fetch(url: string, context: ErrorContext, signal?: AbortSignal): Promise<FetchResult> {
    let current: HopHandler | null = null;
    let failure: EngineError | null = null;
    const stop = (error: EngineError): void => {
      failure ??= error;
      current?.abort(failure);
    };
    const timer = setTimeout(() => {
      const kind = current?.gotHeaders ? 'totalTimeout' : 'ttfbTimeout';
      stop(EngineError.of(kind, `no complete response within ${this.options.total_timeout_ms} ms`, context));
    }, this.options.total_timeout_ms);
    const onAbort = (): void => stop(EngineError.of('cancelled', 'download abandoned', context));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let target = this.checkTarget(url, context);
      const visited = new Set<string>();
      let firstTtfb: number | null = null;
      for (let redirects = 0; ; redirects++) {
        if (target instanceof EngineError) return { ok: false, error: target, ttfbMs: firstTtfb };
        visited.add(target.href);
        const unresolved = await this.resolveName(target, context);
        // The deadline or a cancellation may have come while resolving or between two hops.
        if (failure) return { ok: false, error: failure, ttfbMs: firstTtfb };
        if (unresolved) return { ok: false, error: unresolved, ttfbMs: firstTtfb };
        const hop = await this.hop(target, context, (h) => (current = h));
        current = null;
        firstTtfb ??= hop.ttfbMs;
        if (!hop.ok) return { ok: false, error: hop.error, ttfbMs: firstTtfb };
        if (hop.body) {
          const contentType = hop.headers['content-type'];
          return { ok: true, status: hop.status, body: hop.body, ttfbMs: firstTtfb ?? hop.ttfbMs, url: target.href, redirects, contentType: Array.isArray(contentType) ? contentType[0] : contentType };
        }
        if (!REDIRECT_STATUSES.has(hop.status)) {
          const retryAfterUntil = parseRetryAfter(hop.headers['retry-after'], this.now());
          return { ok: false, error: EngineError.http(hop.status, context, retryAfterUntil), ttfbMs: firstTtfb };
        }
        target = this.redirectTarget(target, hop.headers['location'], redirects, visited, context);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes idle connections and waits for the open ones. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /**
   * Resolves a host name ahead of connecting, so that a name that does not resolve is a DNS failure
   * and not a connect timeout. The connection's own lookup then answers from the cache and applies
   * the address policy.
   */
  private async resolveName(url: URL, context: ErrorContext): Promise<EngineError | null> {
    const host = bareHostname(url.hostname);
    if (isIP(host) !== 0) return null;
    try {
      await this.dns.lookup(host);
      return null;
    } catch (err) {
      return classifyNetworkError(err, false, context);
    }
  }

  private hop(url: URL, context: ErrorContext, expose: (handler: HopHandler) => void): Promise<HopResult> {
    return new Promise((resolve) => {
      const handler = new HopHandler(this.options.max_body_bytes, context, resolve);
      expose(handler);
      // undici reports a failure to dispatch through the handler, never by throwing.
      this.agent.dispatch({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers: this.headers }, handler);
    });
  }

  /** Parses and vets a URL the engine is about to request: scheme, and the address when it is a literal. */
  private checkTarget(url: string | URL, context: ErrorContext): URL | EngineError {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return EngineError.of('invalidUrl', `cannot parse URL ${JSON.stringify(url)}`, context);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return EngineError.of('unsupportedScheme', `scheme ${parsed.protocol} of ${parsed.href} is not http or https`, context);
    }
    const host = bareHostname(parsed.hostname);
    if (isIP(host) !== 0 && this.refuses(host)) {
      return EngineError.of('blockedAddress', `address ${host} is refused by the address policy`, context);
    }
    return parsed;
  }

  private redirectTarget(from: URL, location: string | string[] | undefined, redirects: number, visited: Set<string>, context: ErrorContext): URL | EngineError {
    const value = Array.isArray(location) ? location[0] : location;
    if (!value) return EngineError.of('badRedirect', `redirect from ${from.href} without a Location`, context);
    let next: URL;
    try {
      next = new URL(value, from);
    } catch {
      return EngineError.of('invalidUrl', `cannot parse redirect Location ${JSON.stringify(value)}`, context);
    }
    if (visited.has(next.href)) return EngineError.of('tooManyRedirects', `redirect loop back to ${next.href}`, context);
    if (redirects >= this.options.max_redirects) return EngineError.of('tooManyRedirects', `more than ${this.options.max_redirects} redirects`, context);
    return this.checkTarget(next, context);
  }
}
