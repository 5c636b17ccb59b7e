import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import type { LinkCheckState } from '../../../apps/domain/links/link-check-service.ts';
import { fetchPageMetadata } from '../../../apps/domain/links/url-metadata.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { freePort } from '../../helpers/net.ts';
import { startPageServer } from '../../helpers/page-server.ts';
import { until } from '../../helpers/wait.ts';

const HX = { 'hx-request': 'true' };
const PERIOD = '2024-06';
// The check fetches every link of the edition, a slow page among them: it gets longer than the default wait.
const CHECK_TIMEOUT_MS = 15_000;

function finished(testApp: TestApp): Promise<LinkCheckState> {
  return until(
    'the link check to finish',
    async () => {
      const state = await testApp.services.linkCheck.status({ edition: PERIOD });
      return state.status === 'done' && state;
    },
    CHECK_TIMEOUT_MS,
  );
}

async function runIds(testApp: TestApp): Promise<string[]> {
  const { rows } = await testApp.database.pool.query<{ run_id: string }>('SELECT DISTINCT run_id FROM link_checks');
  return rows.map((row) => row.run_id);
}

/** A published edition holding `links` (title and URL; `parent` nests a link under an earlier one). */
async function publishEdition(testApp: TestApp, links: Array<{ key: string; title: string; url: string; parent?: string }>): Promise<Map<string, string>> {
  const { services } = testApp;
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Ops' });
  const ids = new Map<string, string>();
  for (const link of links) {
    const parentId = link.parent ? ids.get(link.parent) : undefined;
    const added = await services.links.add({
      actor: owner!,
      input: { url: link.url, title: link.title, commentary: 'À lire.', categoryId: category.id, ...(parentId ? { parentId } : {}) },
    });
    ids.set(link.key, added.link.id);
  }
  await services.editions.ensureDraft({ period: PERIOD });
  await services.editions.addLinks({ id: PERIOD, linkIds: links.filter((link) => !link.parent).map((link) => ids.get(link.key)!) });
  await services.editions.publish({ period: PERIOD });
  return ids;
}

/** Opens the editor as a browser does: the page, then the link check panel's own request once it has loaded. */
async function openEditor(client: Awaited<ReturnType<typeof setUpOwner>>) {
  const page = await client.get(`/admin/editions/${PERIOD}`);
  assert.equal(page.statusCode, 200);
  assert.match(
    page.body,
    /<div id="link-check"[^>]*hx-post="\/admin\/editions\/2024-06\/link-check\/ensure"[^>]*hx-trigger="load"/,
    'the panel asks for its check once loaded',
  );
  const panel = await client.postForm(`/admin/editions/${PERIOD}/link-check/ensure`, {}, HX);
  assert.equal(panel.statusCode, 200);
  return { page, panel };
}

test('opening the pre-send checks runs the link check job: each URL once, results stored, broken links listed with their reason', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startPageServer(t, {
    '/first': { body: '<title>First</title>' },
    '/second': { body: '<title>Second</title>' },
    '/shared': { body: '<title>Shared</title>' },
    '/report.pdf': { body: '%PDF-1.4', type: 'application/pdf' },
    '/moved': { body: '', status: 302, headers: { location: '/gone' } },
    '/slow': { body: '<title>Slow</title>', hold: held },
    // Never answers: the check gives up after its time limit.
    '/stuck': { body: '', hold: new Promise<void>(() => undefined) },
  });
  const origin = server.origin;
  const refused = `http://127.0.0.1:${await freePort()}/closed`;
  const clock = manualClock(new Date());
  // The app's own SSRF-safe fetcher, allowed to reach this machine, with a short limit for /stuck.
  // The metadata job keeps the default rules and so never connects: every request the server
  // sees comes from the link check.
  const testApp = await buildTestApp(t, {
    worker: true,
    clock,
    fetchPage: (url) => fetchPageMetadata(url, { allowPrivate: true, timeoutMs: url.endsWith('/stuck') ? 500 : 10_000 }),
  });
  const { app, services } = testApp;
  const client = await setUpOwner(app);
  const ids = await publishEdition(testApp, [
    { key: 'first', title: 'First page', url: `${origin}/first` },
    { key: 'second', title: 'Second page', url: `${origin}/second` },
    { key: 'nested', title: 'Nested page', url: `${origin}/shared`, parent: 'second' },
    { key: 'again', title: 'Same page again', url: `${origin}/shared` },
    { key: 'pdf', title: 'A report', url: `${origin}/report.pdf` },
    { key: 'gone', title: 'Gone page', url: `${origin}/gone` },
    { key: 'moved', title: 'Moved <page>', url: `${origin}/moved` },
    { key: 'refused', title: 'Refused page', url: refused },
    { key: 'stuck', title: 'Stuck page', url: `${origin}/stuck` },
    { key: 'slow', title: 'Slow page', url: `${origin}/slow` },
  ]);
  assert.equal((await services.linkCheck.status({ edition: PERIOD })).status, 'none', 'nothing is checked before the screen opens');

  // The editor's page itself starts nothing: a GET is no action.
  const page = await client.get(`/admin/editions/${PERIOD}`);
  assert.match(page.body, /The links have not been checked yet/);
  assert.equal((await services.linkCheck.status({ edition: PERIOD })).status, 'none', 'a GET of the editor starts no check');
  assert.deepEqual(await runIds(testApp), []);

  // Its panel, once loaded, asks for the check: it starts and shows itself running.
  const { panel: opened } = await openEditor(client);
  assert.match(opened.body, /Checking links… \(\d+ of 10\)/);
  assert.match(opened.body, /^<div id="link-check"[^>]*hx-get="\/admin\/editions\/2024-06\/link-check"[^>]*hx-trigger="every 1s"/);
  await until('the slow page to be asked for', async () => server.hits.includes('/slow'), CHECK_TIMEOUT_MS);
  const [firstRun] = await runIds(testApp);

  // While it runs, the panel polls itself; opening the screen again does not start another run.
  const polling = await client.get(`/admin/editions/${PERIOD}/link-check`, HX);
  assert.equal(polling.statusCode, 200);
  assert.match(polling.body, /^<div id="link-check"/, 'the fragment alone');
  assert.match(polling.body, /Checking links… \(\d of 10\)/);
  assert.match(polling.body, /hx-trigger="every 1s"/);
  assert.match((await client.get(`/admin/editions/${PERIOD}`)).body, /Checking links…/);
  assert.match((await openEditor(client)).panel.body, /Checking links…/);
  assert.deepEqual(await runIds(testApp), [firstRun]);

  release();
  const state = await finished(testApp);
  assert.equal(state.total, 10);
  assert.equal(state.loading, 6);
  assert.deepEqual(state.broken.map((link) => link.title).sort(), ['Gone page', 'Moved <page>', 'Refused page', 'Stuck page']);

  // What is stored: one row per link, nested included, with the fetcher's reason.
  const { rows } = await testApp.database.pool.query<{ link_id: string; url: string; ok: boolean; reason: string | null; checked_at: Date | null }>(
    'SELECT link_id, url, ok, reason, checked_at FROM link_checks',
  );
  const byKey = new Map([...ids].map(([key, id]) => [key, rows.find((row) => row.link_id === id)]));
  assert.equal(rows.length, 10);
  for (const key of ['first', 'second', 'nested', 'again', 'pdf', 'slow']) {
    assert.equal(byKey.get(key)?.ok, true, key);
    assert.equal(byKey.get(key)?.reason, null, key);
  }
  assert.equal(byKey.get('gone')?.ok, false);
  assert.match(byKey.get('gone')?.reason ?? '', /404 Not Found/);
  assert.match(byKey.get('moved')?.reason ?? '', /404 Not Found/, 'a redirect to a missing page is a missing page');
  assert.match(byKey.get('refused')?.reason ?? '', /connection was refused/);
  assert.match(byKey.get('stuck')?.reason ?? '', /took more than 0\.5 s/);
  assert.ok(rows.every((row) => row.checked_at !== null));

  // Each URL once per run: the two links to /shared made one request; /gone was asked for by its
  // own link and at the end of the redirect.
  const count = (path: string) => server.hits.filter((hit) => hit === path).length;
  assert.deepEqual(['/first', '/second', '/shared', '/report.pdf', '/moved', '/slow', '/stuck', '/gone'].map(count), [1, 1, 1, 1, 1, 1, 1, 2]);

  // Done: no more polling; the broken links, escaped, each pointing to its edit form, with the reason.
  const done = await client.get(`/admin/editions/${PERIOD}/link-check`, HX);
  assert.doesNotMatch(done.body, /hx-trigger/);
  assert.match(done.body, /4 of 10 links do not load/);
  assert.match(
    done.body,
    new RegExp(
      `<a href="/admin/links/${ids.get('gone')}/edit">Gone page</a> <span class="broken-url small">${origin}/gone</span>: The page answered 404 Not Found\\.`,
    ),
  );
  assert.match(done.body, new RegExp(`<a href="/admin/links/${ids.get('moved')}/edit">Moved &lt;page&gt;</a>`));
  assert.match(done.body, /Refused page.*The connection was refused\./);
  assert.doesNotMatch(done.body, /First page/, 'links that load are not listed');
  assert.match(done.body, /Check links again/);
  const reopened = await openEditor(client);
  assert.match(reopened.page.body, /4 of 10 links do not load/);
  assert.match(reopened.panel.body, /4 of 10 links do not load/);
  assert.match(reopened.page.body, /Send to subscribers<\/button>/, 'a broken link warns, it does not block sending');
  assert.deepEqual(await runIds(testApp), [firstRun], 'fresh results for the same links are shown, not checked again');
  assert.equal((await client.get(`/admin/links/${ids.get('gone')}/edit`)).statusCode, 200);

  // "Check links again" starts a new run at once.
  const again = await client.postForm(`/admin/editions/${PERIOD}/link-check`, {}, HX);
  assert.equal(again.statusCode, 200);
  assert.match(again.body, /Checking links… \(\d+ of 10\)/);
  assert.match(again.body, /hx-trigger="every 1s"/);
  const [secondRun] = await runIds(testApp);
  assert.notEqual(secondRun, firstRun);
  await finished(testApp);
  assert.equal(count('/first'), 2);

  // An edition whose links changed is checked again when the screen opens.
  await services.editions.removeLink({ id: PERIOD, linkId: ids.get('gone')! });
  assert.match((await openEditor(client)).panel.body, /Checking links… \(\d+ of 9\)/);
  const [thirdRun] = await runIds(testApp);
  assert.notEqual(thirdRun, secondRun);
  let latest = await finished(testApp);
  assert.equal(latest.total, 9);
  assert.equal(latest.broken.length, 3);

  // So are results older than an hour.
  clock.advance(61 * 60 * 1000);
  await openEditor(client);
  assert.notDeepEqual(await runIds(testApp), [thirdRun]);
  latest = await finished(testApp);
  assert.equal(count('/first'), 4);

  // Without JavaScript the button posts and comes back to the editor.
  const plain = await client.postForm(`/admin/editions/${PERIOD}/link-check`);
  assert.equal(plain.statusCode, 303);
  assert.equal(plain.headers.location, `/admin/editions/${PERIOD}#link-check`);
  const withoutHtmx = await client.get(`/admin/editions/${PERIOD}/link-check`);
  assert.equal(withoutHtmx.statusCode, 303);
  const ensuredWithoutHtmx = await client.postForm(`/admin/editions/${PERIOD}/link-check/ensure`);
  assert.equal(ensuredWithoutHtmx.statusCode, 303);
  await finished(testApp);
});

test('with the default configuration the link check refuses private addresses and never connects', async (t) => {
  const server = await startPageServer(t, { '/': { body: '<title>Internal</title>' } });
  const testApp = await buildTestApp(t, { worker: true });
  await setUpOwner(testApp.app);
  await publishEdition(testApp, [{ key: 'internal', title: 'Internal page', url: `${server.origin}/` }]);
  await testApp.services.linkCheck.ensure({ edition: PERIOD });
  const state = await finished(testApp);
  assert.equal(state.broken.length, 1);
  assert.match(state.broken[0]!.reason, /private network address \(127\.0\.0\.1\)/);
  assert.deepEqual(server.hits, []);
});

test('the link check of an unknown edition answers 404, a malformed period 400, never 500', async (t) => {
  const { app } = await buildTestApp(t);
  const client = await setUpOwner(app);
  for (const headers of [{}, HX]) {
    assert.equal((await client.get('/admin/editions/2031-01/link-check', headers)).statusCode, 404);
    assert.equal((await client.get('/admin/editions/nope/link-check', headers)).statusCode, 404);
    assert.equal((await client.postForm('/admin/editions/2031-01/link-check', {}, headers)).statusCode, 404);
    assert.equal((await client.postForm('/admin/editions/2031-01/link-check/ensure', {}, headers)).statusCode, 404);
    assert.equal((await client.postForm('/admin/editions/00000000-0000-4000-8000-000000000000/link-check', {}, headers)).statusCode, 400);
  }
  // Signed out: the sign-in page, not the panel.
  const anonymous = await app.inject({ method: 'GET', url: '/admin/editions/2031-01/link-check' });
  assert.ok(anonymous.statusCode >= 300 && anonymous.statusCode < 500, String(anonymous.statusCode));
  // Without the CSRF token, nothing starts.
  assert.equal((await client.post('/admin/editions/2031-01/link-check', {}, HX)).statusCode, 403);
  assert.equal((await client.post('/admin/editions/2031-01/link-check/ensure', {}, HX)).statusCode, 403);
});
