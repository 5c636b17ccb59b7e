import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import { LISTENER_NAME } from '../../../db/public-changes.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { buildEditions } from '../../helpers/edition-app.ts';
import { until } from '../../helpers/wait.ts';

const LONG = 'Un commentaire assez long pour que la page vaille d’être compressée. '.repeat(30);

/** Counts the connections the app's pool hands out from now on: every query takes one. */
function countQueries(pool: pg.Pool): () => number {
  let count = 0;
  pool.on('acquire', () => count++);
  return () => count;
}

test('a page answered before comes from memory: brotli, gzip or plain as the reader accepts, 304s, no query and no admin hook', async (t) => {
  const { app, publishWith, database, changes } = await buildEditions(t);
  const { edition } = await publishWith('2024-06', { url: 'https://example.org/long', title: 'Long', commentary: LONG });
  const url = editionPath(edition);
  const plain = await app.inject({ method: 'GET', url });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.match(String(plain.headers.vary), /Accept-Encoding/i);
  assert.match(String(plain.headers['content-security-policy']), /^default-src 'none';/, "the readers' security headers hold on a page from memory");
  assert.equal(plain.headers['x-content-type-options'], 'nosniff');
  assert.equal(plain.headers['referrer-policy'], 'same-origin');
  // What adds nothing to a public page without scripts is left out; the admin keeps helmet's full set.
  const dropped = [
    'x-frame-options',
    'x-dns-prefetch-control',
    'origin-agent-cluster',
    'cross-origin-opener-policy',
    'cross-origin-resource-policy',
    'x-xss-protection',
  ];
  for (const name of dropped) assert.equal(plain.headers[name], undefined, `${name} on a reader's page`);
  const login = await app.inject({ method: 'GET', url: '/login' });
  for (const name of dropped) assert.ok(login.headers[name] !== undefined, `${name} on the admin's pages`);
  await until('the app listening for changes', async () => changes.mode() === 'listening');

  const queries = countQueries(database.pool);
  const brotli = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(brotli.headers['content-encoding'], 'br');
  assert.match(String(brotli.headers.vary), /Accept-Encoding/i);
  assert.ok(brotli.rawPayload.length < plain.rawPayload.length / 2, 'brotli makes the page smaller');
  assert.equal(brotliDecompressSync(brotli.rawPayload).toString(), plain.body);
  const gzip = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip;q=1, br;q=0' } });
  assert.equal(gzip.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body);
  const refused = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity, *;q=0' } });
  assert.equal(refused.headers['content-encoding'], undefined);
  assert.equal(refused.body, plain.body);

  // Each coding has its own ETag (the bytes differ), and each validates with a 304.
  const etags = new Set([plain.headers.etag, brotli.headers.etag, gzip.headers.etag]);
  assert.equal(etags.size, 3);
  for (const etag of etags) {
    const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(etag), 'accept-encoding': 'br' } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.headers.etag, plain.headers.etag);
  }

  // A reader carrying a session cookie and a hostile-looking header costs no session lookup either.
  const withCookie = await app.inject({ method: 'GET', url, headers: { cookie: 'veille_session=forged; veille_flash=x' } });
  assert.equal(withCookie.statusCode, 200);
  assert.equal(withCookie.headers['set-cookie'], undefined);
  for (const path of ['/', '/archive', '/feed.xml', '/sitemap.xml', '/robots.txt']) await app.inject({ method: 'GET', url: path });
  const before = queries();
  for (const path of [url, '/', '/archive', '/feed.xml', '/sitemap.xml', '/robots.txt']) {
    const answer = await app.inject({ method: 'GET', url: path, headers: { 'accept-encoding': 'br' } });
    assert.equal(answer.statusCode, 200, path);
  }
  assert.equal(queries() - before, 0, 'no page seen before reached the database');
  await app.inject({ method: 'GET', url: '/archive/2024' });
  assert.ok(queries() > before, 'a page seen for the first time is rendered from the database');
});

test('a page not yet kept still refuses control characters in what reaches the database', async (t) => {
  const { app } = await buildEditions(t);
  const hostile = await app.inject({ method: 'GET', url: '/tags/a%00b' });
  assert.equal(hostile.statusCode, 400);
  const header = await app.inject({ method: 'GET', url: '/archive', headers: { 'x-note': 'a\u0007b' } });
  assert.equal(header.statusCode, 400);
});

test('two instances on one database: a correction made through one shows at once on the other', async (t) => {
  const first = await buildEditions(t);
  const second = await buildTestApp(t, { databaseUrl: first.databaseUrl });
  const { edition, linkId } = await first.publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: 'Avant la correction.' });
  const url = editionPath(edition);
  for (const app of [first.app, second.app]) assert.match((await app.inject({ method: 'GET', url })).body, /Avant la correction/);
  const archive = await second.app.inject({ method: 'GET', url: '/archive' });
  await until('the second instance listening', async () => second.changes.mode() === 'listening');

  await first.services.links.update({ id: linkId, input: { commentary: 'Après la correction.' } });
  // The second instance's next request waits only for the notices committed before it (no poll).
  const corrected = await second.app.inject({ method: 'GET', url });
  assert.match(corrected.body, /Après la correction/);
  assert.doesNotMatch(corrected.body, /Avant la correction/);

  // The settings are on every page: renaming the newsletter renews them all, on both instances.
  const settings = await first.services.settings.get();
  await first.services.settings.update({ actor: OPERATOR, input: { ...settings, newsletterName: 'Le Nouveau Nom' } });
  for (const app of [first.app, second.app]) {
    assert.match((await app.inject({ method: 'GET', url: '/archive' })).body, /Le Nouveau Nom/);
    assert.match((await app.inject({ method: 'GET', url })).body, /Le Nouveau Nom/);
  }
  assert.notEqual((await second.app.inject({ method: 'GET', url: '/archive' })).headers.etag, archive.headers.etag);

  // Taking the edition back makes it a 404 on the other instance at once.
  await first.services.editions.unpublish({ id: edition.id });
  assert.equal((await second.app.inject({ method: 'GET', url })).statusCode, 404);
});

test('when the listening connection drops, the app polls, sees changes meanwhile, and listens again', async (t) => {
  const { app, services, publishWith, database, changes } = await buildEditions(t);
  const { edition, linkId } = await publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: 'Première.' });
  const url = editionPath(edition);
  assert.match((await app.inject({ method: 'GET', url })).body, /Première/);
  await until('listening', async () => changes.mode() === 'listening');

  // The server ends the listening session (a restart, a network cut, an operator).
  const ended = await database.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [LISTENER_NAME],
  );
  assert.equal(ended.rowCount, 1);
  await until('polling', async () => changes.mode() === 'polling');
  await services.links.update({ id: linkId, input: { commentary: 'Seconde.' } });
  // No notice can come: the poll (every 200 ms in tests) finds that something changed.
  await until('the change seen by the poll', async () => /Seconde/.test((await app.inject({ method: 'GET', url })).body));

  await until('listening again', async () => changes.mode() === 'listening');
  await services.links.update({ id: linkId, input: { commentary: 'Troisième.' } });
  assert.match((await app.inject({ method: 'GET', url })).body, /Troisième/);
});
