import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readImportSource } from '../../../apps/domain/imports/sources.ts';
import { MetadataFetchError, fetchResource } from '../../../apps/domain/links/safe-fetch.ts';
import { startPageServer } from '../../helpers/page-server.ts';

const latin1Feed = Buffer.from(
  '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel><title>Donn\u00e9es \u0092quot\u00e9es\u0092</title></channel></rss>\n',
  'latin1',
);

test('a feed URL: fetched safely, decoded by its charset, with clear problems', async (t) => {
  const { origin } = await startPageServer(t, {
    '/feed.xml': { body: latin1Feed, type: 'application/rss+xml; charset=ISO-8859-1' },
    '/moved': { body: '', status: 301, headers: { location: '/feed.xml' } },
    '/page': { body: '<!doctype html><html><title>Blog</title></html>' },
    '/big.xml': { body: Buffer.alloc(4096, 0x61), type: 'application/xml' },
    '/gone': { body: 'gone', status: 410, type: 'text/plain' },
  });
  const allow = { allowPrivate: true };
  const feed = await readImportSource({ kind: 'url', url: `${origin}/moved` }, allow);
  assert.deepEqual(feed.problems, []);
  assert.equal(feed.texts[0]!.name, `${origin}/moved`);
  assert.equal(feed.texts[0]!.kind, 'feed');
  assert.match(feed.texts[0]!.text, /Données ’quotées’/);

  assert.deepEqual((await readImportSource({ kind: 'url', url: `${origin}/page` }, allow)).problems, [
    { name: `${origin}/page`, reason: 'is a web page, not an RSS or Atom feed' },
  ]);
  assert.equal((await readImportSource({ kind: 'url', url: `${origin}/gone` }, allow)).problems[0]!.reason, 'could not be read: the server answered 410 Gone');
  assert.equal(
    (await readImportSource({ kind: 'url', url: `${origin}/big.xml` }, { ...allow, limits: { maxFileBytes: 1024 } })).problems[0]!.reason,
    'is larger than the 1 KB Veille reads from one feed',
  );
  const refused = await readImportSource({ kind: 'url', url: `${origin}/feed.xml` });
  assert.match(refused.problems[0]!.reason, /private network address \(127\.0\.0\.1\)/);
  assert.match((await readImportSource({ kind: 'url', url: 'file:///etc/passwd' })).problems[0]!.reason, /Only http and https/);
});

test('fetchResource returns every status, caps the body and says when it cut it', async (t) => {
  const { origin } = await startPageServer(t, {
    '/data': { body: 'x'.repeat(100), type: 'text/plain' },
    '/missing': { body: 'nope', status: 404, type: 'text/plain' },
    '/hop': { body: '', status: 302, headers: { location: '/data' } },
  });
  const whole = await fetchResource(`${origin}/hop`, { allowPrivate: true, accept: 'text/plain' });
  assert.deepEqual(
    { ...whole, body: whole.body.toString() },
    { finalUrl: `${origin}/data`, status: 200, contentType: 'text/plain', body: 'x'.repeat(100), truncated: false },
  );
  const exact = await fetchResource(`${origin}/data`, { allowPrivate: true, maxBytes: 100 });
  assert.equal(exact.truncated, false);
  const cut = await fetchResource(`${origin}/data`, { allowPrivate: true, maxBytes: 10 });
  assert.equal(cut.body.length, 10);
  assert.equal(cut.truncated, true);
  const missing = await fetchResource(`${origin}/missing`, { allowPrivate: true });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.toString(), 'nope');
  await assert.rejects(
    fetchResource(`${origin}/data`),
    (error: unknown) => error instanceof MetadataFetchError && /private network address/.test(error.reason),
  );
});
