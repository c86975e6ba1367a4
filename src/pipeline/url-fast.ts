/**
 * A fast path for the server name of plain URLs. The WHATWG parser (new URL()) costs about a
 * microsecond a call, which is most of initialization's per-row validation; the great majority of
 * image URLs are printable ASCII `http(s)://host[:port]/…` whose server name needs no IDNA, IPv4 or
 * percent-decoding work. This path accepts exactly those and answers `undefined` for anything else,
 * which the caller hands to the WHATWG parser, so results are identical by construction.
 */

const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Letters, digits, '-' and '.': host characters that IDNA leaves alone apart from lower-casing. */
function isPlainHostChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x2d || c === DOT;
}

/** A dotted quad the IPv4 parser would print back unchanged: four decimal parts, no leading zeros. */
function isCanonicalIpv4(host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) === 0x30)) return false;
    for (let i = 0; i < p.length; i++) if (!isDigit(p.charCodeAt(i))) return false;
    if (Number(p) > 255) return false;
  }
  return true;
}

/**
 * The server name (lower-cased host, then `:port` unless it is the scheme's default) of a trimmed
 * http or https URL, or `undefined` when the URL is anything but the plain case, including invalid.
 */
export function fastServerName(url: string): string | undefined {
  const n = url.length;
  // Scheme: "http" or "https" in any case, then exactly "://".
  let i = 0;
  if (n < 8) return undefined;
  if ((url.charCodeAt(0) | 0x20) !== 0x68 || (url.charCodeAt(1) | 0x20) !== 0x74 || (url.charCodeAt(2) | 0x20) !== 0x74 || (url.charCodeAt(3) | 0x20) !== 0x70) {
    return undefined;
  }
  i = 4;
  let https = false;
  if ((url.charCodeAt(4) | 0x20) === 0x73) {
    https = true;
    i = 5;
  }
  if (url.charCodeAt(i) !== COLON || url.charCodeAt(i + 1) !== SLASH || url.charCodeAt(i + 2) !== SLASH) return undefined;
  const hostStart = i + 3;
  // Only printable ASCII, never a backslash (a path separator in special URLs): anything else, such
  // as spaces, tabs, controls or non-ASCII text, needs the full parser's rules.
  let hostEnd = -1;
  let colon = -1;
  for (let j = hostStart; j < n; j++) {
    const c = url.charCodeAt(j);
    if (c <= 0x20 || c >= 0x7f || c === 0x5c) return undefined;
    if (hostEnd < 0) {
      if (c === SLASH || c === 0x3f || c === 0x23) hostEnd = j;
      else if (c === COLON) {
        if (colon >= 0) return undefined;
        colon = j;
      } else if (colon < 0 && !isPlainHostChar(c)) return undefined;
    }
  }
  if (hostEnd < 0) hostEnd = n;
  const nameEnd = colon >= 0 ? colon : hostEnd;
  if (nameEnd === hostStart) return undefined;
  const host = url.slice(hostStart, nameEnd).toLowerCase();
  // Empty labels (but a trailing dot, which is kept as written) and punycode labels, which IDNA
  // validates, go to the full parser.
  if (host.charCodeAt(0) === DOT || host.includes('..') || host.startsWith('xn--') || host.includes('.xn--')) return undefined;
  // A host whose last label starts with a digit is parsed as an IPv4 address (0x…, octal, fewer
  // parts); only the canonical dotted quad is printed back as written.
  const trimmed = host.charCodeAt(host.length - 1) === DOT ? host.slice(0, -1) : host;
  const lastLabel = trimmed.slice(trimmed.lastIndexOf('.') + 1);
  if (lastLabel.length === 0 || (isDigit(lastLabel.charCodeAt(0)) && (trimmed !== host || !isCanonicalIpv4(host)))) return undefined;
  if (colon < 0) return host;
  // Port: 1–5 digits without a leading zero, at most 65535; the default port is dropped.
  const port = url.slice(colon + 1, hostEnd);
  if (port.length === 0 || port.length > 5 || port.charCodeAt(0) === 0x30) return undefined;
  for (let j = 0; j < port.length; j++) if (!isDigit(port.charCodeAt(j))) return undefined;
  const value = Number(port);
  if (value > 65535) return undefined;
  if (value === (https ? 443 : 80)) return host;
  return `${host}:${port}`;
}
