import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { BlockedAddressError, bareHostname, isBlockedAddress, policyLookup } from '../../src/engine/address-policy.js';
import { DnsCache, type ResolvedAddress } from '../../src/engine/dns-cache.js';

describe('isBlockedAddress', () => {
  const refused = [
    '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.254',
    '169.254.169.254', '169.254.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::', '::1', 'fe80::1', 'febf::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:7f00:1',
  ];
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.255.0.1', '192.169.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2606:4700::1111'];

  for (const address of refused) it(`refuses ${address}`, () => assert.equal(isBlockedAddress(address), true));
  for (const address of allowed) it(`allows ${address}`, () => assert.equal(isBlockedAddress(address), false));

  it('throws on a name', () => assert.throws(() => isBlockedAddress('example.org'), TypeError));
  it('strips IPv6 brackets', () => {
    assert.equal(bareHostname('[::1]'), '::1');
    assert.equal(bareHostname('example.org'), 'example.org');
  });
});

type LookupOutcome = { err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookup(cache: DnsCache, name: string, options: { all?: boolean; family?: number }): Promise<LookupOutcome> {
  return new Promise((resolve) => {
    policyLookup(cache, isBlockedAddress)(name, { all: options.all ?? false, family: options.family ?? 0 }, (err, address, family) =>
      resolve({ err, address, family }),
    );
  });
}

describe('policyLookup', () => {
  const answers: Record<string, ResolvedAddress[]> = {
    'mixed.test': [
      { address: '10.0.0.5', family: 4 },
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800::1', family: 6 },
    ],
    'private.test': [
      { address: '192.168.0.10', family: 4 },
      { address: 'fd00::1', family: 6 },
    ],
  };
  const cache = new DnsCache(60_000, 1_000, async (name) => {
    const found = answers[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found;
  });

  it('returns only the allowed addresses (all: true)', async () => {
    const { err, address } = await lookup(cache, 'mixed.test', { all: true });
    assert.equal(err, null);
    assert.deepEqual(address, [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800::1', family: 6 },
    ]);
  });

  it('returns one allowed address of the asked family', async () => {
    assert.deepEqual(await lookup(cache, 'mixed.test', { family: 6 }), { err: null, address: '2606:2800::1', family: 6 });
    assert.deepEqual(await lookup(cache, 'mixed.test', {}), { err: null, address: '93.184.215.14', family: 4 });
  });

  it('fails with EADDRBLOCKED when every address is refused', async () => {
    const { err } = await lookup(cache, 'private.test', { all: true });
    assert.ok(err instanceof BlockedAddressError);
    assert.equal(err.code, 'EADDRBLOCKED');
  });

  it('passes resolution failures through', async () => {
    const { err } = await lookup(cache, 'nothing.test', {});
    assert.equal(err?.code, 'ENOTFOUND');
  });
});

describe('DnsCache', () => {
  it('shares one query among concurrent lookups and caches answers and failures for the TTL', async () => {
    let clock = 1_000;
    const queries: string[] = [];
    const cache = new DnsCache(
      500,
      1_000,
      async (name) => {
        queries.push(name);
        if (name === 'bad.test') throw new Error('ENOTFOUND');
        return [{ address: '93.184.215.14', family: 4 }];
      },
      () => clock,
    );
    await Promise.all([cache.lookup('a.test'), cache.lookup('a.test')]);
    await assert.rejects(cache.lookup('bad.test'));
    await assert.rejects(cache.lookup('bad.test'));
    assert.deepEqual(queries, ['a.test', 'bad.test']);
    clock += 499;
    await cache.lookup('a.test');
    assert.equal(queries.length, 2);
    clock += 1;
    await cache.lookup('a.test');
    assert.deepEqual(queries, ['a.test', 'bad.test', 'a.test']);
  });

  it('fails a resolution that takes longer than its timeout as EAI_AGAIN', async () => {
    const cache = new DnsCache(500, 50, () => new Promise(() => undefined));
    await assert.rejects(cache.lookup('slow.test'), { code: 'EAI_AGAIN' });
  });
});
