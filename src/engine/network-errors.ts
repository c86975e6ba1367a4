/**
 * Maps the errors undici and Node raise during a request to the engine's failure kinds. The same
 * socket error means different things before and after the response headers: a reset before them
 * is a reset, after them the body was cut short.
 */
import { EngineError, type ErrorContext, type NegativeErrorName } from './errors.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENONAME']);
const CONNECT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
const SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports one AggregateError for all the addresses it tried.
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  return '';
}

function kindOf(code: string, afterHeaders: boolean): NegativeErrorName {
  if (code === 'EADDRBLOCKED') return 'blockedAddress';
  if (DNS_CODES.has(code)) return 'dns';
  if (CONNECT_CODES.has(code)) return 'connectFailed';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'ttfbTimeout';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'bodyStall';
  // Node's own TLS errors, and OpenSSL's verification codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, …).
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT') || code.includes('SELF_SIGNED')) return 'tls';
  if (SOCKET_CODES.has(code)) return afterHeaders ? 'truncatedBody' : 'connectionReset';
  return 'network';
}

/** Classifies a request failure; an EngineError (our own abort reason) passes through unchanged. */
export function classifyNetworkError(err: unknown, afterHeaders: boolean, context: ErrorContext): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message || String(errorCode(err)) : String(err);
  return EngineError.of(kindOf(errorCode(err), afterHeaders), message, context, err);
}
