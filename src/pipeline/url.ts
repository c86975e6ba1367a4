/** URL validation and the server name a URL belongs to. */
import { fastServerName } from './url-fast.js';

export type ParsedUrl = { ok: true; serverName: string } | { ok: false; reason: string };

/**
 * `server_name` is the lower-cased netloc without credentials: host[:port]. The WHATWG parser
 * turns internationalized names into punycode, brackets IPv6 literals and drops default ports,
 * so the same server always gets the same name.
 */
export function parseImageUrl(identifier: string | null | undefined): ParsedUrl {
  if (identifier === null || identifier === undefined || identifier.trim() === '') {
    return { ok: false, reason: 'missing URL (identifier is empty)' };
  }
  const trimmed = identifier.trim();
  const fast = fastServerName(trimmed);
  if (fast !== undefined) return { ok: true, serverName: fast };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, reason: 'unparsable URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `unsupported scheme "${url.protocol.replace(/:$/, '')}" (only http and https)` };
  }
  if (url.hostname === '') return { ok: false, reason: 'URL has no host' };
  return { ok: true, serverName: url.host.toLowerCase() };
}
