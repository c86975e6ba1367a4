import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { Fetcher, type FetcherDeps, type FetchFailure, type FetchResult, type FetchSuccess } from '../../src/engine/fetcher.js';
import { isBlockedAddress } from '../../src/engine/address-policy.js';
import type { ResolvedAddress } from '../../src/engine/dns-cache.js';
import { ImageProcessor } from '../../src/engine/image.js';
import { IMAGE_DEFAULTS, type EngineOptions } from '../../src/engine/options.js';
import { EngineError } from '../../src/engine/errors.js';
import { solidJpeg, startServer, testEngineOptions, type TestServer } from './helpers.js';

/** A self-signed certificate for CN=localhost (valid until 2125), for the TLS failure test. */
const SELF_SIGNED = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxxDNfhdrbQuL1tj8
lhI8W/1qS1Q1dCuf1liY0Vm1yKihRANCAAToVwOZU1fBONzmKkNkeQ6YlV37HIvm
2OBj7p4elL4LJybztgnmvCQ/VyBnRVcQIlJwYRDxdTsJ+OOWL1CeyKIe
-----END PRIVATE KEY-----`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBgDCCASWgAwIBAgIUVctfEegot9et8P/lA0LnL+pzPmAwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAyNDgwNVoYDzIxMjYxMDI5
MDI0ODA1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAToVwOZU1fBONzmKkNkeQ6YlV37HIvm2OBj7p4elL4LJybztgnmvCQ/
VyBnRVcQIlJwYRDxdTsJ+OOWL1CeyKIeo1MwUTAdBgNVHQ4EFgQU9is9shTd+rRM
22kHWtXuREA8n0UwHwYDVR0jBBgwFoAU9is9shTd+rRM22kHWtXuREA8n0UwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAq05snEe+rS0wImBF3nIm
Iqg/YJW0Gv1p6TmoJBIQROsCIQCetWM3LdinyDdL3eAgaHygU80nMgQHlMPAcs75
qC+Hjw==
-----END CERTIFICATE-----`,
};

const context = (url: string) => ({ url, host: 'test', attempt: 1 });

function expectFailure(result: FetchResult, code: number, errorClass: string): FetchFailure {
  assert.equal(result.ok, false, `expected ${errorClass}, got success`);
  const failure = result as FetchFailure;
  assert.equal(failure.error.code, code, `code of ${failure.error.errorClass}: ${failure.error.message}`);
  assert.equal(failure.error.errorClass, errorClass);
  return failure;
}

describe('Fetcher', () => {
  let server: TestServer;
  let jpeg: Buffer;
  const fetchers: Fetcher[] = [];
  const fetcher = (overrides: Partial<EngineOptions> = {}, deps: FetcherDeps = {}): Fetcher => {
    const f = new Fetcher(testEngineOptions(overrides), deps);
    fetchers.push(f);
    return f;
  };
  const get = (path: string, overrides: Partial<EngineOptions> = {}) => fetcher(overrides).fetch(server.base + path, context(server.base + path));

  before(async () => {
    jpeg = await solidJpeg(64, 48);
    server = await startServer((req, res) => {
      const url = req.url ?? '';
      const status = /^\/status\/(\d+)$/.exec(url);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
        res.end('no');
      } else if (url === '/image') {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
        res.end(jpeg);
      } else if (url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><body>Not found, but 200</body></html>');
      } else if (url === '/echo-headers') {
        res.end(JSON.stringify(req.headers));
      } else if (url === '/reset') {
        req.socket.destroy();
      } else if (url === '/truncated') {
        res.writeHead(200, { 'content-length': 10_000 });
        res.write(Buffer.alloc(100));
        setTimeout(() => req.socket.destroy(), 20);
      } else if (url === '/stall') {
        res.writeHead(200, { 'content-length': 10_000 });
        res.write(Buffer.alloc(100));
      } else if (url === '/trickle') {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
      } else if (url === '/silent') {
        // Never answers.
      } else if (url === '/slow-headers') {
        setTimeout(() => res.end(jpeg), 150);
      } else if (url === '/declared-large') {
        res.writeHead(200, { 'content-length': 5_000 });
        res.end(Buffer.alloc(5_000));
      } else if (url === '/large-404') {
        res.writeHead(404);
        for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1_000));
        res.end();
      } else if (url === '/streamed-large') {
        res.writeHead(200);
        for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1_000));
        res.end();
      } else if (url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (/^\/chain\/\d+$/.test(url)) {
        const n = Number(url.split('/')[2]);
        res.writeHead(301, { location: n > 0 ? `/chain/${n - 1}` : '/image' });
        res.end();
      } else if (url === '/to-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else if (url.startsWith('/to-name/')) {
        res.writeHead(302, { location: `http://${url.slice('/to-name/'.length)}:${new URL(server.base).port}/image` });
        res.end();
      } else if (url === '/to-ftp') {
        res.writeHead(302, { location: 'ftp://example.org/x.jpg' });
        res.end();
      } else if (url === '/no-location') {
        res.writeHead(302);
        res.end();
      } else if (url === '/429-seconds') {
        res.writeHead(429, { 'retry-after': '7' });
        res.end();
      } else if (url === '/503-date') {
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });

  after(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await server.close();
  });

  it('downloads a body with status, TTFB and the final URL', async () => {
    const result = await get('/image');
    assert.ok(result.ok);
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, jpeg);
    assert.equal(result.contentType, 'image/jpeg');
    assert.ok(result.ttfbMs >= 0 && result.ttfbMs < 1000);
  });

  it('measures TTFB up to the headers', async () => {
    const result = (await get('/slow-headers')) as FetchSuccess;
    assert.ok(result.ok);
    assert.ok(result.ttfbMs >= 140, `ttfb ${result.ttfbMs}`);
  });

  it('sends the configured User-Agent and headers', async () => {
    const result = (await get('/echo-headers', { user_agent: 'ua-test/1', headers: { 'X-Test': 'yes', Accept: 'image/webp' } })) as FetchSuccess;
    const headers = JSON.parse(result.body.toString()) as Record<string, string>;
    assert.equal(headers['user-agent'], 'ua-test/1');
    assert.equal(headers['x-test'], 'yes');
    assert.equal(headers['accept'], 'image/webp');
    assert.equal(headers['accept-encoding'], 'identity');
  });

  for (const status of [404, 403, 410, 500]) {
    it(`reports HTTP ${status} as its status`, async () => {
      const expected = { 404: 'not_found', 403: 'client_error', 410: 'not_found', 500: 'server_error' }[status]!;
      expectFailure(await get(`/status/${status}`), status, expected);
    });
  }

  it('parses Retry-After in seconds and as an HTTP-date', async () => {
    const before = Date.now();
    const seconds = expectFailure(await get('/429-seconds'), 429, 'rate_limited');
    assert.ok(Math.abs(seconds.error.retryAfterUntil - before - 7_000) < 1_000);
    const date = expectFailure(await get('/503-date'), 503, 'unavailable');
    assert.ok(Math.abs(date.error.retryAfterUntil - before - 60_000) < 2_000);
  });

  it('classifies a connection reset before the headers (-14)', async () => {
    expectFailure(await get('/reset'), -14, 'connection_reset');
  });

  it('classifies a body cut short (-15)', async () => {
    expectFailure(await get('/truncated'), -15, 'truncated_body');
  });

  it('classifies a stalled body (-4)', async () => {
    expectFailure(await get('/stall', { body_stall_timeout_ms: 200 }), -4, 'body_stall');
  });

  it('gives up on a host that never answers within the TTFB deadline (-3)', async () => {
    const started = Date.now();
    expectFailure(await get('/silent', { ttfb_timeout_ms: 200 }), -3, 'ttfb_timeout');
    assert.ok(Date.now() - started < 2_000);
  });

  it('stops a body that keeps trickling at the total deadline (-13)', async () => {
    const started = Date.now();
    expectFailure(await get('/trickle', { total_timeout_ms: 400 }), -13, 'total_timeout');
    assert.ok(Date.now() - started < 2_000);
  });

  it('refuses a body whose Content-Length exceeds the limit (-5)', async () => {
    expectFailure(await get('/declared-large', { max_body_bytes: 1_000 }), -5, 'too_large');
  });

  it('refuses a streamed body without length once it exceeds the limit (-5)', async () => {
    expectFailure(await get('/streamed-large', { max_body_bytes: 1_000 }), -5, 'too_large');
    assert.ok((await get('/streamed-large', { max_body_bytes: 5_000 })).ok);
  });

  it('keeps the status of an error response whose body is too large', async () => {
    expectFailure(await get('/large-404', { max_body_bytes: 1_000 }), 404, 'not_found');
  });

  it('follows redirects up to max_redirects (-8 beyond)', async () => {
    const ok = (await get('/chain/2', { max_redirects: 3 })) as FetchSuccess;
    assert.ok(ok.ok);
    assert.equal(ok.redirects, 3);
    assert.equal(ok.url, `${server.base}/image`);
    expectFailure(await get('/chain/3', { max_redirects: 3 }), -8, 'too_many_redirects');
  });

  it('detects a redirect loop (-8)', async () => {
    const failure = expectFailure(await get('/loop'), -8, 'too_many_redirects');
    assert.match(failure.error.message, /loop/);
  });

  it('refuses a redirect without Location (-17) and to another scheme (-11)', async () => {
    expectFailure(await get('/no-location'), -17, 'bad_redirect');
    expectFailure(await get('/to-ftp'), -11, 'unsupported_scheme');
  });

  describe('with the address policy on', () => {
    // The test server lives on 127.0.0.1; the policy treats that one address as public so the
    // first request goes through and the redirect target is what gets checked.
    const isBlocked = (address: string) => address !== '127.0.0.1' && isBlockedAddress(address);
    const names: Record<string, ResolvedAddress[]> = {
      'metadata.test': [{ address: '169.254.169.254', family: 4 }],
      'mixed.test': [
        { address: '10.1.2.3', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    };
    const resolve = async (name: string) => names[name] ?? [];
    const policyOn = () => fetcher({ allow_private_addresses: false }, { isBlocked, resolve });

    it('refuses a redirect to the cloud metadata address (-7)', async () => {
      const url = `${server.base}/to-metadata`;
      expectFailure(await policyOn().fetch(url, context(url)), -7, 'blocked_address');
    });

    it('checks a redirect target after DNS resolution (-7)', async () => {
      const url = `${server.base}/to-name/metadata.test`;
      const failure = expectFailure(await policyOn().fetch(url, context(url)), -7, 'blocked_address');
      assert.match(failure.error.message, /metadata\.test.*169\.254\.169\.254/);
    });

    it('connects only to the allowed addresses of a name', async () => {
      const url = `${server.base}/to-name/mixed.test`;
      const result = await policyOn().fetch(url, context(url));
      assert.ok(result.ok, result.ok ? '' : result.error.message);
    });

    it('refuses loopback literals by default', async () => {
      const url = `${server.base}/image`;
      expectFailure(await fetcher({ allow_private_addresses: false }).fetch(url, context(url)), -7, 'blocked_address');
    });
  });

  it('reports a name that does not resolve (-9)', async () => {
    const url = 'http://no-such-host.invalid/a.jpg';
    expectFailure(await fetcher().fetch(url, context(url)), -9, 'dns');
  });

  it('reports a resolver that never answers as a DNS failure (-9), within the connect deadline', async () => {
    const url = 'http://hanging-resolver.test/a.jpg';
    const started = Date.now();
    const result = await fetcher({ connect_timeout_ms: 200 }, { resolve: () => new Promise(() => undefined) }).fetch(url, context(url));
    expectFailure(result, -9, 'dns');
    assert.ok(Date.now() - started < 1_000);
  });

  it('reports a refused connection (-10)', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/x`;
    expectFailure(await fetcher().fetch(url, context(url)), -10, 'connect_failed');
  });

  it('reports a response that is not HTTP as a network failure (-1)', async () => {
    const sockets: net.Socket[] = [];
    const garbage = net.createServer((socket) => {
      sockets.push(socket);
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}/x`;
    try {
      expectFailure(await fetcher().fetch(url, context(url)), -1, 'network');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it('reports a certificate it cannot verify as a TLS failure (-18)', async () => {
    const tlsServer = https.createServer(SELF_SIGNED, (_req, res) => res.end('secret'));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}/x`;
    try {
      expectFailure(await fetcher().fetch(url, context(url)), -18, 'tls');
    } finally {
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });

  it('refuses other schemes (-11) and unparsable URLs (-16)', async () => {
    expectFailure(await fetcher().fetch('file:///etc/passwd', context('file:///etc/passwd')), -11, 'unsupported_scheme');
    expectFailure(await fetcher().fetch('http://', context('http://')), -16, 'invalid_url');
  });

  it('abandons a request when its signal aborts (-19)', async () => {
    const controller = new AbortController();
    const url = `${server.base}/silent`;
    const pending = fetcher().fetch(url, context(url), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expectFailure(await pending, -19, 'cancelled');
  });

  it('a 200 carrying HTML fails image processing as not an image (-6)', async () => {
    const result = (await get('/html')) as FetchSuccess;
    assert.ok(result.ok);
    await assert.rejects(new ImageProcessor(IMAGE_DEFAULTS).process(result.body, context('/html')), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, -6);
      assert.equal(err.errorClass, 'not_an_image');
      return true;
    });
  });
});
