/**
 * Failure kinds of a download, as they land in errors.parquet (`error_code`, `error_class`) and as
 * the controller sees them (OutcomeClass). `error_code` is the HTTP status when the server gave a
 * final answer, otherwise one of the negative codes below. `transient` says whether retrying can
 * help (the retry policy and a later round's verification both read it).
 */
import type { OutcomeClass } from '../controller/types.js';

export interface ErrorKind {
  /** Stable string written to errors.parquet's `error_class`. */
  readonly errorClass: string;
  /** How the controller counts it. */
  readonly outcome: OutcomeClass;
  readonly transient: boolean;
  readonly meaning: string;
}

export interface NegativeErrorKind extends ErrorKind {
  readonly code: number;
}

export interface HttpErrorKind extends ErrorKind {
  /** Human-readable status set, for documentation. */
  readonly statuses: string;
  readonly matches: (status: number) => boolean;
}

function negative<const T extends Record<string, NegativeErrorKind>>(table: T): T {
  return Object.freeze(table);
}

/** Failures without a (final) HTTP status. */
export const NEGATIVE_ERRORS = negative({
  network: { code: -1, errorClass: 'network', outcome: 'reset', transient: true, meaning: 'other network failure' },
  processing: { code: -2, errorClass: 'processing', outcome: 'client', transient: false, meaning: 'image could not be decoded or encoded (corrupt data)' },
  ttfbTimeout: { code: -3, errorClass: 'ttfb_timeout', outcome: 'ttfbTimeout', transient: true, meaning: 'no response headers within ttfb_timeout_ms (or the total deadline passed before them)' },
  bodyStall: { code: -4, errorClass: 'body_stall', outcome: 'bodyStall', transient: true, meaning: 'body stopped flowing for body_stall_timeout_ms' },
  tooLarge: { code: -5, errorClass: 'too_large', outcome: 'client', transient: false, meaning: 'body larger than max_body_bytes (Content-Length or streamed)' },
  notAnImage: { code: -6, errorClass: 'not_an_image', outcome: 'client', transient: false, meaning: 'body is not a raster image (HTML, empty, SVG, …)' },
  blockedAddress: { code: -7, errorClass: 'blocked_address', outcome: 'client', transient: false, meaning: 'address refused by the address policy (private, loopback, link-local, …)' },
  tooManyRedirects: { code: -8, errorClass: 'too_many_redirects', outcome: 'client', transient: false, meaning: 'redirect loop or more than max_redirects redirects' },
  dns: { code: -9, errorClass: 'dns', outcome: 'dns', transient: false, meaning: 'host name did not resolve' },
  connectFailed: { code: -10, errorClass: 'connect_failed', outcome: 'connectFail', transient: true, meaning: 'connection refused, unreachable or not established within connect_timeout_ms' },
  unsupportedScheme: { code: -11, errorClass: 'unsupported_scheme', outcome: 'client', transient: false, meaning: 'scheme other than http/https (also as a redirect target)' },
  decompressionBomb: { code: -12, errorClass: 'decompression_bomb', outcome: 'client', transient: false, meaning: 'image declares more pixels than limit_input_pixels' },
  totalTimeout: { code: -13, errorClass: 'total_timeout', outcome: 'bodyStall', transient: true, meaning: 'body still arriving when total_timeout_ms passed' },
  connectionReset: { code: -14, errorClass: 'connection_reset', outcome: 'reset', transient: true, meaning: 'connection reset or closed before the response headers' },
  truncatedBody: { code: -15, errorClass: 'truncated_body', outcome: 'reset', transient: true, meaning: 'connection closed before the whole body arrived' },
  invalidUrl: { code: -16, errorClass: 'invalid_url', outcome: 'client', transient: false, meaning: 'URL (or redirect Location) cannot be parsed' },
  badRedirect: { code: -17, errorClass: 'bad_redirect', outcome: 'client', transient: false, meaning: 'redirect status without a Location header' },
  tls: { code: -18, errorClass: 'tls', outcome: 'client', transient: false, meaning: 'TLS handshake or certificate failure' },
  cancelled: { code: -19, errorClass: 'cancelled', outcome: 'client', transient: true, meaning: 'abandoned because the engine was stopped' },
});
export type NegativeErrorName = keyof typeof NEGATIVE_ERRORS;

/** Final HTTP answers other than 2xx, first match wins; `error_code` is the status itself. */
export const HTTP_ERRORS: readonly HttpErrorKind[] = Object.freeze([
  { statuses: '404, 410', errorClass: 'not_found', outcome: 'final4xx', transient: false, meaning: 'the resource is gone', matches: (s) => s === 404 || s === 410 },
  // A server-side timeout reading our request says the server is struggling, like a 5xx.
  { statuses: '408', errorClass: 'request_timeout', outcome: 'server5xx', transient: true, meaning: 'server timed out reading the request', matches: (s) => s === 408 },
  { statuses: '429', errorClass: 'rate_limited', outcome: 'tooMany', transient: true, meaning: 'too many requests', matches: (s) => s === 429 },
  { statuses: 'other 4xx', errorClass: 'client_error', outcome: 'final4xx', transient: false, meaning: 'refused for good (403, 401, 400, …)', matches: (s) => s >= 400 && s < 500 },
  { statuses: '503', errorClass: 'unavailable', outcome: 'unavailable', transient: true, meaning: 'service unavailable', matches: (s) => s === 503 },
  { statuses: 'other 5xx', errorClass: 'server_error', outcome: 'server5xx', transient: true, meaning: 'server error', matches: (s) => s >= 500 && s < 600 },
  // A final answer that is neither content nor an error (3xx without redirect handling, 1xx, …):
  // the server answered promptly, so it weighs like a final 4xx.
  { statuses: 'other', errorClass: 'unexpected_status', outcome: 'final4xx', transient: false, meaning: 'unexpected final status (304, 300, …)', matches: () => true },
]);

export function httpErrorKind(status: number): HttpErrorKind {
  // The last row matches everything, so find() always succeeds.
  return HTTP_ERRORS.find((k) => k.matches(status))!;
}

/** One row per code for the README: negative codes, then HTTP statuses. */
export const ERROR_TABLE: readonly {
  error_code: string;
  error_class: string;
  outcome: OutcomeClass;
  transient: boolean;
  meaning: string;
}[] = Object.freeze([
  ...Object.values(NEGATIVE_ERRORS).map((k) => ({
    error_code: String(k.code),
    error_class: k.errorClass,
    outcome: k.outcome,
    transient: k.transient,
    meaning: k.meaning,
  })),
  ...HTTP_ERRORS.map((k) => ({
    error_code: k.statuses,
    error_class: k.errorClass,
    outcome: k.outcome,
    transient: k.transient,
    meaning: k.meaning,
  })),
]);

/** Where a failure happened, for the log and the error message. */
export interface ErrorContext {
  url: string;
  host: string;
  /** 1-based attempt number. */
  attempt?: number;
}

/** A classified failure of one download (fetch or image processing). */
export class EngineError extends Error {
  readonly code: number;
  readonly kind: ErrorKind;
  readonly context: ErrorContext;
  /** Absolute time (ms since the Unix epoch) the server asked us to wait until (Retry-After); 0 if none. */
  readonly retryAfterUntil: number;

  private constructor(code: number, kind: ErrorKind, message: string, context: ErrorContext, retryAfterUntil: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EngineError';
    this.code = code;
    this.kind = kind;
    this.context = context;
    this.retryAfterUntil = retryAfterUntil;
  }

  static of(name: NegativeErrorName, message: string, context: ErrorContext, cause?: unknown): EngineError {
    const kind = NEGATIVE_ERRORS[name];
    return new EngineError(kind.code, kind, message, context, 0, cause);
  }

  static http(status: number, context: ErrorContext, retryAfterUntil = 0): EngineError {
    return new EngineError(status, httpErrorKind(status), `HTTP ${status}`, context, retryAfterUntil);
  }

  get errorClass(): string {
    return this.kind.errorClass;
  }

  get outcome(): OutcomeClass {
    return this.kind.outcome;
  }

  get transient(): boolean {
    return this.kind.transient;
  }
}
