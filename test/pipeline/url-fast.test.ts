import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastServerName } from '../../src/pipeline/url-fast.js';
import { parseImageUrl } from '../../src/pipeline/url.js';

/** What the WHATWG parser makes of a URL: the reference the fast path must match. */
function whatwg(url: string): string | null {
  try {
    const u = new URL(url);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') return null;
    return u.host.toLowerCase();
  } catch {
    return null;
  }
}

const TRICKY = [
  'https://example.com/a.jpg',
  'HTTPS://EXAMPLE.COM/A.JPG',
  'HtTp://Example.Com',
  'http://example.com:80/x',
  'https://example.com:443/x',
  'http://example.com:443/x',
  'https://example.com:80/x',
  'http://example.com:8080/x',
  'http://example.com:08080/x',
  'http://example.com:0/x',
  'http://example.com:65535/x',
  'http://example.com:65536/x',
  'http://example.com:/x',
  'http://example.com:8a/x',
  'http://example.com::80/x',
  'http://[2001:DB8::1]:8443/b.png',
  'http://[::ffff:127.0.0.1]/',
  'https://bücher.example/c.jpg',
  'https://xn--bcher-kva.example/c.jpg',
  'https://XN--BCHER-KVA.example/c.jpg',
  'https://a.xn--bcher-kva.example/c.jpg',
  'https://xn--invalid-.example/',
  'https://user:pw@Creds.Example/d.jpg',
  'https://user@host.example/d.jpg',
  'https://host.example/path@at',
  'http://exa%41mple.com/',
  'http://exa%2Fmple.com/',
  'http://example.com./x',
  'http://example.com../x',
  'http://.example.com/x',
  'http://127.0.0.5:8080/a.jpg',
  'http://127.0.0.1/',
  'http://127.0.0.1./',
  'http://127.000.0.1/',
  'http://0x7f.0.0.1/',
  'http://2130706433/',
  'http://1.2.3/',
  'http://256.0.0.1/',
  'http://example.123/',
  'http://example.0x1/',
  'http://123.example/',
  'http://a_b.example/',
  'http://a-b-.example/',
  'http://-ab.example/',
  'http://ab--cd.example/',
  'http:///example.com/',
  'http:/example.com/',
  'http:example.com/',
  'http:\\\\example.com\\x',
  'http://example.com\\x',
  'http://',
  'https://',
  'http://exa mple.com/x',
  'http://example.com/a b',
  'http://example.com/\u00e4',
  'http://example.com?q=1',
  'http://example.com#frag',
  'http://example.com:99?q',
  'ftp://files.example/x.jpg',
  'httpx://example.com/',
  'http+s://example.com/',
  'data:image/png;base64,AAAA',
  'http://ex\tample.com/',
  'http://ex\nample.com/',
  'http://EXAMPLE.COM:8080',
  'http://localhost/',
  'http://LOCALHOST:3000/',
  'http://example.com\u3002org/',
  'http://\uff45xample.com/',
  'http://a.b.c.d.e.f/',
  'http://1.2.3.4.5/',
  'http://0/',
  'http://example.com:1/',
  'https://' + 'a'.repeat(70) + '.example/',
];

test('the fast path agrees with the WHATWG parser or declines', () => {
  for (const url of TRICKY) {
    const fast = fastServerName(url);
    if (fast !== undefined) assert.equal(fast, whatwg(url), url);
  }
});

test('the fast path takes the plain cases', () => {
  assert.equal(fastServerName('https://Images7.Museum.example/photos/1.jpg'), 'images7.museum.example');
  assert.equal(fastServerName('http://example.com:8080/x'), 'example.com:8080');
  assert.equal(fastServerName('http://example.com:80/x'), 'example.com');
  assert.equal(fastServerName('http://127.0.0.5:8080/a.jpg'), '127.0.0.5:8080');
  assert.equal(fastServerName('http://example.com./x'), 'example.com.');
  assert.equal(fastServerName('http://user@example.com/'), undefined);
  assert.equal(fastServerName('http://[::1]/'), undefined);
  assert.equal(fastServerName('http://bücher.example/'), undefined);
});

test('parseImageUrl gives the WHATWG answer on every tricky input', () => {
  for (const url of TRICKY) {
    const parsed = parseImageUrl(url);
    const expected = whatwg(url.trim());
    assert.equal(parsed.ok ? parsed.serverName : null, expected, url);
  }
});

test('random mutations of plain URLs: fast path never disagrees', () => {
  const alphabet = 'aZ09.-:/@%?#[]\\_ \u00e4xn-';
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const bases = ['http://example.com:8080/x', 'https://a.b.example/p?q#f', 'http://1.2.3.4/'];
  for (let k = 0; k < 20000; k++) {
    const base = bases[rand(bases.length)]!;
    const at = rand(base.length);
    const url = base.slice(0, at) + alphabet[rand(alphabet.length)] + base.slice(at + rand(2));
    const fast = fastServerName(url);
    if (fast !== undefined) assert.equal(fast, whatwg(url), url);
  }
});
