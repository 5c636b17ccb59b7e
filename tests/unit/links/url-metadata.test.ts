import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isForbiddenAddress } from '../../../apps/domain/links/address-checks.ts';
import { decodeBody } from '../../../apps/domain/links/charset.ts';
import { parseMetadata } from '../../../apps/domain/links/page-metadata.ts';
import { MetadataFetchError } from '../../../apps/domain/links/safe-fetch.ts';
import { fetchPageMetadata } from '../../../apps/domain/links/url-metadata.ts';

test('isForbiddenAddress refuses loopback, private, link-local, metadata and reserved IPv4', () => {
  const forbidden = [
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.5',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '192.0.0.8',
    '192.0.2.10',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
  ];
  for (const ip of forbidden) assert.equal(isForbiddenAddress(ip), true, ip);
});

test('isForbiddenAddress lets public IPv4 through, including neighbours of the private blocks', () => {
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '192.167.255.255',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.1',
    '169.253.255.255',
    '11.0.0.1',
    '223.255.255.255',
    '126.255.255.255',
    '128.0.0.1',
  ];
  for (const ip of allowed) assert.equal(isForbiddenAddress(ip), false, ip);
});

test('isForbiddenAddress refuses special IPv6 and checks IPv4 embedded in mapped, NAT64 and 6to4 forms', () => {
  const forbidden = [
    '::',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fd00:ec2::254',
    'fe80::1',
    'fe80::1%eth0',
    'febf:ffff::1',
    'ff02::1',
    'ff05::2',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:0:10.0.0.1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    '2002:c0a8:101::1',
    '2001:db8::1',
    '2001:db8:ffff::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '100::1',
    '::127.0.0.1',
    '3fff::1',
  ];
  for (const ip of forbidden) assert.equal(isForbiddenAddress(ip), true, ip);
});

test('isForbiddenAddress lets public IPv6 through', () => {
  const allowed = [
    '2606:4700::1111',
    '2606:4700:4700::1001',
    '2001:4860:4860::8888',
    '2a00:1450:4007:80e::200e',
    '2620:fe::fe',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '2001:db9::1',
  ];
  for (const ip of allowed) assert.equal(isForbiddenAddress(ip), false, ip);
});

test('isForbiddenAddress refuses what is not an IP address', () => {
  for (const value of ['', 'localhost', 'example.org', '1.2.3', '010.0.0.1', '::g', '1.2.3.4.5']) assert.equal(isForbiddenAddress(value), true, value);
});

const ARTICLE = `<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>Ignored when og:title exists</title>
  <meta property="og:title" content="  Kubernetes   1.30 :
    quoi de neuf ?  ">
  <meta property="og:description" content="Les nouveaut&eacute;s de l&#39;&eacute;t&eacute; &amp; plus">
  <meta name="description" content="Plain description">
  <meta property="og:site_name" content="Le Blog Ops">
  <meta property="og:url" content="https://blog.example.org/og-url">
  <meta property="og:locale" content="en_US">
  <link rel="stylesheet" href="/style.css">
  <link rel="canonical" href="/articles/k8s-1-30?utm=no#top">
</head>
<body><h1>Hello</h1></body>
</html>`;

test('parseMetadata reads Open Graph tags, decodes entities and resolves a relative canonical URL', () => {
  assert.deepEqual(parseMetadata(ARTICLE, 'https://blog.example.org/2024/06/k8s'), {
    title: 'Kubernetes 1.30 : quoi de neuf ?',
    description: "Les nouveautés de l'été & plus",
    siteName: 'Le Blog Ops',
    canonicalUrl: 'https://blog.example.org/articles/k8s-1-30?utm=no#top',
    language: 'fr',
  });
});

test('parseMetadata falls back to twitter tags, then to <title> and meta description', () => {
  const twitter = `<head><meta name="twitter:title" content="Tweet title"><meta name="twitter:description" content="Tweet description">
    <title>Page title</title><meta name="description" content="Meta description"><meta name="application-name" content="App"></head>`;
  assert.deepEqual(parseMetadata(twitter, 'https://example.org/'), {
    title: 'Tweet title',
    description: 'Tweet description',
    siteName: 'App',
    canonicalUrl: null,
    language: null,
  });

  const plain = `<html><head><title>
      InfluxDB &amp; Grafana &ndash; l&#x27;essentiel
    </title><meta name="Description" content="Meta description"><meta property="og:title" content="   "></head></html>`;
  const parsed = parseMetadata(plain, 'https://example.org/');
  assert.equal(parsed.title, "InfluxDB & Grafana – l'essentiel");
  assert.equal(parsed.description, 'Meta description');
  assert.equal(parsed.siteName, null);
});

test('parseMetadata takes the page <title>, not one inside an inline <svg>', () => {
  const html = '<html><body><svg><title>Icon</title></svg><title>Real</title></body></html>';
  assert.equal(parseMetadata(html, 'https://example.org/').title, 'Real');
});

test('parseMetadata: language from <html lang>, then og:locale normalised, then Content-Language', () => {
  const base = 'https://example.org/';
  assert.equal(parseMetadata('<html lang="en-gb"><head></head></html>', base).language, 'en-GB');
  assert.equal(parseMetadata('<html><head><meta property="og:locale" content="fr_FR"></head></html>', base).language, 'fr-FR');
  assert.equal(parseMetadata('<html><head></head></html>', base, { contentLanguage: 'de-DE, en' }).language, 'de-DE');
  assert.equal(parseMetadata('<html lang="not a tag!"><head></head></html>', base, { contentLanguage: 'nl' }).language, 'nl');
  assert.equal(parseMetadata('<html><head></head></html>', base).language, null);
});

test('parseMetadata: canonical only when http(s), else og:url, resolved against <base> and the page URL', () => {
  const page = 'https://example.org/a/b.html';
  assert.equal(
    parseMetadata('<link rel="canonical" href="javascript:alert(1)"><meta property="og:url" content="/og">', page).canonicalUrl,
    'https://example.org/og',
  );
  assert.equal(parseMetadata('<link rel="Canonical Alternate" href="c.html">', page).canonicalUrl, 'https://example.org/a/c.html');
  assert.equal(
    parseMetadata('<base href="https://cdn.example.net/x/"><link rel="canonical" href="c.html">', page).canonicalUrl,
    'https://cdn.example.net/x/c.html',
  );
  assert.equal(parseMetadata('<meta property="og:url" content="ftp://example.org/file">', page).canonicalUrl, null);
  assert.equal(parseMetadata('<link rel="canonical" href="http://[bad">', page).canonicalUrl, null);
});

test('parseMetadata survives broken HTML', () => {
  const broken = `<html><head><meta property=og:title content=Unquoted><title>Never closed <b>bold</b>
    <meta name="description" content="inside the title">`;
  const parsed = parseMetadata(broken, 'https://example.org/');
  assert.equal(parsed.title, 'Unquoted');
  assert.equal(parsed.description, null);

  const unclosed = parseMetadata('<title>Only a title', 'https://example.org/');
  assert.equal(unclosed.title, 'Only a title');

  const garbage = parseMetadata('<<<>>> <meta <title>>&&&; </head></html><p>', 'https://example.org/');
  assert.deepEqual(garbage, { title: null, description: null, siteName: null, canonicalUrl: null, language: null });

  assert.deepEqual(parseMetadata('', 'https://example.org/'), garbage);
});

test('parseMetadata caps lengths and drops control characters', () => {
  const html = `<title>${'a'.repeat(600)}</title><meta name="description" content="${'d'.repeat(3000)}"><meta property="og:site_name" content="Nul\u0000Site">`;
  const parsed = parseMetadata(html, 'https://example.org/');
  assert.equal(parsed.title?.length, 500);
  assert.equal(parsed.description?.length, 2000);
  assert.equal(parsed.siteName, 'NulSite');
  // A cut in the middle of an emoji must not leave half of it.
  const emoji = parseMetadata(`<title>${'a'.repeat(499)}😀</title>`, 'https://example.org/');
  assert.equal(emoji.title, 'a'.repeat(499));
});

test('decodeBody reads an ISO-8859-1 page from the header charset', () => {
  const bytes = Buffer.from('<title>Données</title>', 'latin1');
  assert.equal(decodeBody(bytes, 'text/html; charset=ISO-8859-1'), '<title>Données</title>');
  assert.equal(decodeBody(bytes, 'text/html;charset="iso-8859-1"'), '<title>Données</title>');
  // Without any declaration it is read as UTF-8 and the é is lost, as in a browser.
  assert.equal(decodeBody(bytes, 'text/html'), '<title>Donn\uFFFDes</title>');
  assert.equal(decodeBody(bytes, null), '<title>Donn\uFFFDes</title>');
});

test('decodeBody finds a <meta> charset in the first bytes', () => {
  const short = Buffer.from('<meta charset=iso-8859-1><title>Données</title>', 'latin1');
  assert.equal(decodeBody(short, 'text/html'), '<meta charset=iso-8859-1><title>Données</title>');
  const httpEquiv = Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><title>Données</title>', 'latin1');
  assert.match(decodeBody(httpEquiv, null), /<title>Données<\/title>/);
  // The header wins over the document.
  const utf8 = Buffer.from('<meta charset="iso-8859-1"><title>Données</title>', 'utf8');
  assert.match(decodeBody(utf8, 'text/html; charset=utf-8'), /Données/);
  // Only the start of the document is looked at.
  const late = Buffer.concat([Buffer.from(`<!-- ${' '.repeat(5000)} -->`), Buffer.from('<meta charset="iso-8859-1"><title>Données</title>', 'latin1')]);
  assert.match(decodeBody(late, null), /Donn\uFFFDes/);
});

test('decodeBody reads windows-1252 curly quotes and other legacy encodings', () => {
  const bytes = Buffer.from([0x93, 0x4c, 0x27, 0xe9, 0x74, 0xe9, 0x94, 0x20, 0x96, 0x20, 0x80]);
  assert.equal(decodeBody(bytes, 'text/html; charset=windows-1252'), "“L'été” – €");
  // iso-8859-1 is windows-1252 on the web: the same bytes read the same.
  assert.equal(decodeBody(bytes, 'text/html; charset=iso-8859-1'), "“L'été” – €");
  const japanese = Buffer.from([0x93, 0xfa, 0x96, 0x7b]);
  assert.equal(decodeBody(japanese, 'text/html; charset=shift_jis'), '日本');
});

test('decodeBody falls back to UTF-8 on an unknown label, and honours a BOM', () => {
  const utf8 = Buffer.from('<title>Données</title>', 'utf8');
  assert.equal(decodeBody(utf8, 'text/html; charset=klingon'), '<title>Données</title>');
  assert.equal(decodeBody(Buffer.from('<meta charset="nope"><p>é</p>', 'utf8'), null), '<meta charset="nope"><p>é</p>');
  // An unknown header label does not hide a valid <meta> charset.
  assert.match(decodeBody(Buffer.from('<meta charset="latin1"><p>é</p>', 'latin1'), 'text/html; charset=bogus'), /<p>é<\/p>/);
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
  assert.equal(decodeBody(bom, null), '<title>Données</title>');
  assert.equal(decodeBody(bom, 'text/html; charset=iso-8859-1'), '<title>Données</title>');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>Données</title>', 'utf16le')]);
  assert.equal(decodeBody(utf16, null), '<title>Données</title>');
});

// These refusals happen before any connection: a lookup that fails the test proves no DNS was asked.
const noLookup = async (): Promise<never> => assert.fail('DNS must not be queried');

async function refusal(url: string): Promise<string> {
  const error = await fetchPageMetadata(url, { lookup: noLookup }).then(
    () => assert.fail(`${url} was fetched`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof MetadataFetchError, `${url}: ${String(error)}`);
  assert.doesNotMatch(error.reason, /\n|at .*\(/);
  return error.reason;
}

test('fetchPageMetadata refuses other schemes and URLs with credentials', async () => {
  for (const url of [
    'file:///etc/passwd',
    'ftp://example.org/file',
    'javascript:alert(1)',
    'data:text/html,<title>x</title>',
    'gopher://example.org/',
    'ws://example.org/',
  ]) {
    assert.equal(await refusal(url), 'Only http and https addresses can be fetched.', url);
  }
  assert.equal(await refusal('https://user:secret@example.org/'), 'Addresses with a user name or password are not fetched.');
  assert.equal(await refusal('https://user@example.org/'), 'Addresses with a user name or password are not fetched.');
  assert.equal(await refusal('not a url'), 'The address is not a valid URL.');
});

test('fetchPageMetadata refuses literal private addresses in every spelling', async () => {
  const cases: Array<[string, string]> = [
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['https://10.0.0.5:8443/', '10.0.0.5'],
    ['http://0/', '0.0.0.0'],
  ];
  for (const [url, address] of cases) {
    assert.equal(await refusal(url), `The address resolves to a private network address (${address}), which Veille does not fetch.`, url);
  }
});
