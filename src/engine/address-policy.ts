/**
 * Which addresses the engine may connect to. Unless private addresses are allowed, a URL must not
 * reach the machine itself, its local networks or a cloud metadata service, whether it names the
 * address literally, through DNS, or through a redirect. The check runs inside the connection's own
 * DNS lookup, so the address checked is the address connected to (no re-resolution in between).
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { DnsCache } from './dns-cache.js';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['fc00::', 7], // unique-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address is in a refused range. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
 * judged by their IPv4 address (BlockList does this).
 */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A URL hostname without the brackets of an IPv6 literal. */
export function bareHostname(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Raised (as a connection error) when every address of a name is refused. */
export class BlockedAddressError extends Error {
  readonly code = 'EADDRBLOCKED';

  constructor(
    readonly hostname: string,
    readonly addresses: readonly string[],
  ) {
    super(`${hostname} resolves only to refused addresses (${addresses.join(', ')})`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * A `lookup` for net/tls.connect that answers from the DNS cache and drops the addresses `refuses`
 * names. Node calls it with `all: true` when it races address families (autoSelectFamily), else
 * for one address.
 */
export function policyLookup(cache: DnsCache, refuses: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    cache.lookup(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        const allowed = wanted.filter((a) => !refuses(a.address));
        if (allowed.length === 0 && wanted.length > 0) {
          callback(new BlockedAddressError(hostname, wanted.map((a) => a.address)), '', 0);
          return;
        }
        if (allowed.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no address of family ${options.family}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname }), '', 0);
          return;
        }
        if (options.all) callback(null, allowed);
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
