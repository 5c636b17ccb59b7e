import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { cleanUrl, normalizeUrl, parseLinkUrl } from '../../../apps/domain/links/url-normalize.ts';

// Pairs that point at the same page and must get the same key.
const SAME: Array<[string, string]> = [
  ['https://Example.org:443/a/?utm_source=x#top', 'http://example.org/a'],
  ['https://example.org/?b=2&a=1', 'https://example.org/?a=1&b=2'],
  ['https://youtube.com/watch?v=abc&si=xyz', 'https://youtube.com/watch?v=abc'],
  ['https://www.youtube.com/watch?si=xyz&v=abc', 'https://www.youtube.com/watch?v=abc'],
  ['https://youtu.be/abc?si=xyz', 'https://youtu.be/abc'],
  ['https://open.spotify.com/episode/1?si=abc', 'https://open.spotify.com/episode/1'],
  ['https://twitter.com/user/status/1?s=20', 'https://twitter.com/user/status/1'],
  ['https://x.com/user/status/1?s=20&t=abc', 'https://x.com/user/status/1?t=abc'],
  ['example.org/path', 'https://example.org/path'],
  ['  https://example.org/x\n', 'https://example.org/x'],
  ['HTTP://EXAMPLE.ORG/Path', 'https://example.org/Path'],
  ['http://example.org:80/', 'https://example.org'],
  ['https://example.org/', 'https://example.org'],
  ['https://example.org', 'http://example.org/#section'],
  ['https://example.org/a?UTM_Source=x&Utm_Medium=y&utm_campaign=z&id=3', 'https://example.org/a?id=3'],
  ['https://example.org/a?fbclid=1&gclid=2&dclid=3&gbraid=4&wbraid=5&msclkid=6&mc_cid=7&mc_eid=8&yclid=9&p=12', 'https://example.org/a?p=12'],
  ['https://example.org/a?_hsenc=1&_hsmi=2&mkt_tok=3&igshid=4&ref_src=5&ref_url=6', 'https://example.org/a'],
  ['https://example.org/%7euser/caf%c3%a9', 'https://example.org/~user/caf%C3%A9'],
  ['https://example.org/a?q=%7e%2f', 'https://example.org/a?q=~%2F'],
  ['https://example.org/a/./b/../c', 'https://example.org/a/c'],
  ['https://münchen.de/', 'https://xn--mnchen-3ya.de'],
  ['https://example.org./x', 'https://example.org/x'],
  ['//example.org/x', 'https://example.org/x'],
  ['localhost:3000/x', 'http://localhost:3000/x'],
];

// Pairs that look alike but are different pages: merging them would lose a link.
const DIFFERENT: Array<[string, string]> = [
  ['https://example.org/a?id=1', 'https://example.org/a?id=2'],
  ['https://youtube.com/watch?v=abc', 'https://youtube.com/watch?v=abd'],
  ['https://example.org/?p=12', 'https://example.org/'],
  ['https://www.example.org/a', 'https://example.org/a'],
  ['https://example.org/index.html', 'https://example.org/'],
  ['https://example.org/index.php', 'https://example.org/'],
  ['https://example.org/A', 'https://example.org/a'],
  ['https://example.org:8443/a', 'https://example.org/a'],
  ['https://example.org/a?si=1', 'https://example.org/a'],
  ['https://example.org/search?s=docker', 'https://example.org/search'],
  ['https://youtube.com/watch?s=1', 'https://youtube.com/watch'],
  ['https://example.org/a?tag=x&tag=y', 'https://example.org/a?tag=y&tag=x'],
  ['https://example.org/a%2Fb', 'https://example.org/a/b'],
  ['https://example.org/a?ref=hn', 'https://example.org/a'],
];

const REFUSED: Array<[string, string]> = [
  ['ftp://example.org/file', 'http and https'],
  ['javascript:alert(1)', 'http and https'],
  ['JavaScript:alert(1)', 'http and https'],
  ['data:text/html,<script>alert(1)</script>', 'http and https'],
  ['mailto:editor@example.org', 'http and https'],
  ['file:///etc/passwd', 'http and https'],
  [`https://example.org/${'a'.repeat(3000)}`, 'at most 2048'],
  ['not a url', 'valid web address'],
  ['http://exa mple.org/', 'valid web address'],
  ['https://', 'valid web address'],
  ['intranet/page', 'domain name'],
  ['http://foo./', 'domain name'],
  ['', 'Enter the address'],
  ['   ', 'Enter the address'],
  ['https://bank.example@evil.example/', 'user name or password'],
];

const ACCEPTED: Array<[string, string]> = [
  ['example.org/path', 'https://example.org/path'],
  ['www.example.org', 'https://www.example.org/'],
  ['http://localhost:3000/x', 'http://localhost:3000/x'],
  ['localhost:3000/x', 'https://localhost:3000/x'],
  ['example.org:8080/x', 'https://example.org:8080/x'],
  ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
  ['http://[::1]/x', 'http://[::1]/x'],
  ['https://münchen.de/straße', 'https://xn--mnchen-3ya.de/stra%C3%9Fe'],
  [`https://example.org/${'a'.repeat(2000)}`, `https://example.org/${'a'.repeat(2000)}`],
];

const CLEANED: Array<[string, string]> = [
  ['https://example.org/a/?utm_source=x&id=3#top', 'https://example.org/a/?id=3#top'],
  ['https://example.org/a?utm_source=x#top', 'https://example.org/a#top'],
  ['https://example.org/a?b=2&a=1&fbclid=z', 'https://example.org/a?b=2&a=1'],
  ['https://www.youtube.com/watch?v=abc&si=xyz&t=42', 'https://www.youtube.com/watch?v=abc&t=42'],
  ['http://example.org/Index.html?q=%7e', 'http://example.org/Index.html?q=%7e'],
  ['example.org/x', 'https://example.org/x'],
];

describe('normalizeUrl: same page, same key', () => {
  for (const [a, b] of SAME) {
    test(`${a.slice(0, 80)} == ${b}`, () => assert.equal(normalizeUrl(a), normalizeUrl(b)));
  }
});

describe('normalizeUrl: different pages, different keys', () => {
  for (const [a, b] of DIFFERENT) {
    test(`${a} != ${b}`, () => assert.notEqual(normalizeUrl(a), normalizeUrl(b)));
  }
});

describe('normalizeUrl: key format', () => {
  test('is https, lower-case host, no default port, no trailing slash, no fragment', () => {
    assert.equal(normalizeUrl('http://Example.ORG:80/Docs/?utm_source=x#top'), 'https://example.org/Docs');
  });

  test('drops the root path and sorts the remaining parameters', () => {
    assert.equal(normalizeUrl('https://example.org/'), 'https://example.org');
    assert.equal(normalizeUrl('https://example.org/?b=2&a=1&b=1'), 'https://example.org?a=1&b=2&b=1');
  });

  test('puts IDN hosts in punycode', () => {
    assert.equal(normalizeUrl('https://münchen.de/'), 'https://xn--mnchen-3ya.de');
  });

  test('accepts a URL object and leaves it untouched', () => {
    const url = new URL('https://example.org/a/?utm_source=x#top');
    assert.equal(normalizeUrl(url), 'https://example.org/a');
    assert.equal(url.href, 'https://example.org/a/?utm_source=x#top');
  });

  test('is idempotent', () => {
    for (const [a] of SAME) assert.equal(normalizeUrl(normalizeUrl(a)), normalizeUrl(a));
  });
});

describe('parseLinkUrl', () => {
  for (const [input, expected] of ACCEPTED) {
    test(`accepts ${input.slice(0, 60)}`, () => assert.equal(parseLinkUrl(input).href, expected));
  }
  for (const [input, reason] of REFUSED) {
    test(`refuses ${JSON.stringify(input.slice(0, 60))}`, () => {
      assert.throws(
        () => parseLinkUrl(input),
        (error: unknown) => error instanceof ValidationError && typeof error.fields.url === 'string' && error.fields.url.includes(reason),
      );
    });
  }

  test('normalizeUrl and cleanUrl refuse what parseLinkUrl refuses', () => {
    assert.throws(() => normalizeUrl('javascript:alert(1)'), ValidationError);
    assert.throws(() => cleanUrl('ftp://example.org/'), ValidationError);
  });
});

describe('cleanUrl', () => {
  for (const [input, expected] of CLEANED) {
    test(`${input} -> ${expected}`, () => assert.equal(cleanUrl(input), expected));
  }
});
