import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPageServer } from '../../helpers/page-server.ts';
import { buildInbox, fetched, HX, quickAdd, rowIds } from '../../helpers/inbox.ts';
import { until } from '../../helpers/wait.ts';

test('the metadata job fills in title, description and language, reads latin1 pages and keeps a title the editor typed meanwhile', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startPageServer(t, {
    '/fr': {
      body: '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Les séries temporelles</title><meta property="og:description" content="Tout sur les données horodatées"></head><body></body></html>',
    },
    '/latin1': {
      body: Buffer.from('<html><head><title>Données en latin1</title></head><body>é</body></html>', 'latin1'),
      type: 'text/html; charset=iso-8859-1',
    },
    '/slow': { body: '<html><head><title>Title from the page</title><meta name="description" content="Slow description"></head></html>', hold: held },
  });
  const { owner, form, services } = await buildInbox(t, { worker: true, env: { FETCH_ALLOW_PRIVATE: 'true' } });
  const origin = `http://127.0.0.1:${server.port}`;

  const french = await quickAdd(form, `${origin}/fr`);
  const latin1 = await quickAdd(form, `${origin}/latin1`);
  const slow = await quickAdd(form, `${origin}/slow`);

  const frenchLink = await fetched(services, french);
  assert.equal(frenchLink.fetchStatus, 'ok', frenchLink.fetchError ?? '');
  assert.equal(frenchLink.title, 'Les séries temporelles');
  assert.equal(frenchLink.description, 'Tout sur les données horodatées');
  assert.equal(frenchLink.language, 'fr');
  const latin1Link = await fetched(services, latin1);
  assert.equal(latin1Link.fetchStatus, 'ok', latin1Link.fetchError ?? '');
  assert.equal(latin1Link.title, 'Données en latin1');

  // The row stops polling once the title is in.
  const row = await owner.get(`/admin/links/${french}/row`, HX);
  assert.match(row.body, /Les séries temporelles/);
  assert.doesNotMatch(row.body, /hx-trigger="every 1s"/);
  assert.equal((await services.links.list({ q: 'horodatees' })).links[0]?.id, french, 'fetched text is searchable');

  // The editor types a title while the page is still loading.
  await until('the slow page to be requested', async () => server.hits.includes('/slow'));
  const edited = await form(`/admin/links/${slow}`, { title: 'My title', url: `${origin}/slow` }, HX);
  assert.equal(edited.statusCode, 200);
  assert.equal((await services.links.get({ id: slow })).fetchStatus, 'pending');
  release();
  const slowLink = await fetched(services, slow);
  assert.equal(slowLink.fetchStatus, 'ok');
  assert.equal(slowLink.title, 'My title', 'the title typed by the editor is kept');
  assert.equal(slowLink.description, 'Slow description', 'the rest of the metadata still arrives');
  assert.equal(server.hits.filter((hit) => hit === '/slow').length, 1, 'the same address is not fetched again');
});

test('SSRF: with the default configuration the job refuses loopback addresses and never connects', async (t) => {
  const server = await startPageServer(t, { '/': { body: '<title>Internal</title>' } });
  const { owner, form, services } = await buildInbox(t, { worker: true });
  const urls = [
    `http://127.0.0.1:${server.port}/`,
    `http://localhost:${server.port}/`,
    `http://2130706433:${server.port}/`,
    `http://[::ffff:127.0.0.1]:${server.port}/`,
  ];
  const ids = [];
  for (const url of urls) ids.push(await quickAdd(form, url));

  for (const [index, id] of ids.entries()) {
    const link = await fetched(services, id);
    assert.equal(link.fetchStatus, 'failed', urls[index]);
    assert.match(link.fetchError ?? '', /private network address \((127\.0\.0\.1|::1|::ffff:7f00:1)\)/, `${urls[index]}: ${link.fetchError}`);
    assert.equal(link.title, null);
  }
  assert.deepEqual(server.hits, [], 'the local server received no request');

  const failed = await owner.get('/admin/inbox?status=fetch_failed');
  assert.deepEqual(rowIds(failed.body).sort(), [...ids].sort());
  assert.match(failed.body, /Could not fetch the page: The address resolves to a private network address/);
});

// Markup and URLs an attacker could slip into what editors paste (a page title, a selection).
