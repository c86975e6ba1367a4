/**
 * A fast path for the server name of plain URLs. The WHATWG parser (new URL()) costs about a
 * microsecond a call, which is most of initialization's per-row validation; the great majority of
 * image URLs are printable ASCII `http(s)://host[:port]/…` whose server name needs no IDNA, IPv4 or
 * percent-decoding work. This path accepts exactly those and declines anything else, which the
 * caller hands to the WHATWG parser, so results are identical by construction.
 *
 * It reads bytes, so that initialization can take the server name of a TSV row straight from the
 * bytes read, without making a string of the URL or of its host.
 */

const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;
const DASH = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Letters, digits, '-' and '.': host characters that IDNA leaves alone apart from lower-casing. */
function isPlainHostChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === DASH || c === DOT;
}

/**
 * Where a plain URL's server name is in its bytes: the host, to be lower-cased (each of its bytes
 * OR 0x20, as it holds only letters, digits, '-' and '.'), then, unless the port range is empty
 * (no port, or the scheme's default), ':' and the port.
 */
export interface Netloc {
  hostStart: number;
  hostEnd: number;
  portStart: number;
  portEnd: number;
}

/** Whether b[start, end) is "xn--" in any case. */
function isPunycodePrefix(b: Uint8Array, start: number, end: number): boolean {
  return end - start >= 4 && (b[start]! | 0x20) === 0x78 && (b[start + 1]! | 0x20) === 0x6e && b[start + 2] === DASH && b[start + 3] === DASH;
}

/** A dotted quad the IPv4 parser would print back unchanged: four decimal parts, no leading zeros. */
function isCanonicalIpv4(b: Uint8Array, start: number, end: number): boolean {
  let parts = 0;
  for (let p = start; p <= end; ) {
    let q = p;
    let value = 0;
    while (q < end && isDigit(b[q]!)) value = value * 10 + b[q++]! - 0x30;
    const digits = q - p;
    if (digits === 0 || digits > 3 || (digits > 1 && b[p] === 0x30) || value > 255) return false;
    if (++parts > 4) return false;
    if (q === end) break;
    if (b[q] !== DOT) return false;
    p = q + 1;
  }
  return parts === 4;
}

/**
 * Finds the server name (lower-cased host, then `:port` unless it is the scheme's default) of the
 * trimmed http or https URL in b[start, end) and answers true, or answers false when the URL is
 * anything but the plain case, including invalid. `out` holds the answer only after true.
 */
export function plainNetloc(b: Uint8Array, start: number, end: number, out: Netloc): boolean {
  // Scheme: "http" or "https" in any case, then exactly "://".
  if (end - start < 8) return false;
  if ((b[start]! | 0x20) !== 0x68 || (b[start + 1]! | 0x20) !== 0x74 || (b[start + 2]! | 0x20) !== 0x74 || (b[start + 3]! | 0x20) !== 0x70) {
    return false;
  }
  let i = start + 4;
  const https = (b[i]! | 0x20) === 0x73;
  if (https) i++;
  if (b[i] !== COLON || b[i + 1] !== SLASH || b[i + 2] !== SLASH) return false;
  const hostStart = i + 3;
  // Only printable ASCII, never a backslash (a path separator in special URLs): anything else, such
  // as spaces, tabs, controls or non-ASCII text, needs the full parser's rules.
  let hostEnd = -1;
  let colon = -1;
  for (let j = hostStart; j < end; j++) {
    const c = b[j]!;
    if (c <= 0x20 || c >= 0x7f || c === 0x5c) return false;
    if (hostEnd < 0) {
      if (c === SLASH || c === 0x3f || c === 0x23) hostEnd = j;
      else if (c === COLON) {
        if (colon >= 0) return false;
        colon = j;
      } else if (colon < 0 && !isPlainHostChar(c)) return false;
    }
  }
  if (hostEnd < 0) hostEnd = end;
  const nameEnd = colon >= 0 ? colon : hostEnd;
  if (nameEnd === hostStart) return false;
  // Empty labels (but a trailing dot, which is kept as written) and punycode labels, which IDNA
  // validates, go to the full parser.
  if (b[hostStart] === DOT || isPunycodePrefix(b, hostStart, nameEnd)) return false;
  for (let j = hostStart + 1; j < nameEnd; j++) {
    if (b[j] === DOT && (b[j - 1] === DOT || isPunycodePrefix(b, j + 1, nameEnd))) return false;
  }
  // A host whose last label starts with a digit is parsed as an IPv4 address (0x…, octal, fewer
  // parts); only the canonical dotted quad is printed back as written.
  const trailingDot = b[nameEnd - 1] === DOT;
  const trimmedEnd = trailingDot ? nameEnd - 1 : nameEnd;
  let lastLabel = trimmedEnd;
  while (lastLabel > hostStart && b[lastLabel - 1] !== DOT) lastLabel--;
  if (lastLabel === trimmedEnd) return false;
  if (isDigit(b[lastLabel]!) && (trailingDot || !isCanonicalIpv4(b, hostStart, nameEnd))) return false;
  out.hostStart = hostStart;
  out.hostEnd = nameEnd;
  out.portStart = out.portEnd = hostEnd;
  if (colon < 0) return true;
  // Port: 1–5 digits without a leading zero, at most 65535; the default port is dropped.
  const digits = hostEnd - colon - 1;
  if (digits === 0 || digits > 5 || b[colon + 1] === 0x30) return false;
  let value = 0;
  for (let j = colon + 1; j < hostEnd; j++) {
    if (!isDigit(b[j]!)) return false;
    value = value * 10 + b[j]! - 0x30;
  }
  if (value > 65535) return false;
  if (value !== (https ? 443 : 80)) out.portStart = colon + 1;
  return true;
}

/** Scratch bytes of a URL string for fastServerName. */
let scratch = Buffer.allocUnsafe(256);
const netloc: Netloc = { hostStart: 0, hostEnd: 0, portStart: 0, portEnd: 0 };

/** The same for a URL string: its server name, or `undefined` when the URL is not the plain case. */
export function fastServerName(url: string): string | undefined {
  if (scratch.length < url.length * 3) scratch = Buffer.allocUnsafe(url.length * 3);
  // More bytes than characters means non-ASCII text, never the plain case.
  const n = scratch.write(url, 'utf8');
  if (n !== url.length || !plainNetloc(scratch, 0, n, netloc)) return undefined;
  const host = scratch.toString('latin1', netloc.hostStart, netloc.hostEnd).toLowerCase();
  return netloc.portEnd > netloc.portStart ? `${host}:${scratch.toString('latin1', netloc.portStart, netloc.portEnd)}` : host;
}
