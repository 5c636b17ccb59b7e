import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import { buildEditions } from '../../helpers/edition-app.ts';
import { startPageServer, type TestPage } from '../../helpers/page-server.ts';

const PERIOD = '2024-06';
const HOUR_MS = 60 * 60 * 1000;
const page = (status = 200): TestPage => ({ body: '<!doctype html><title>Page</title><p>Hello</p>', status });

type DeadLinkJson = { id: string; url: string; reason: string | null; archivedCopy: string };

/** A published French edition of links to a local site the app may fetch, with the health job's pauses taken out. */
async function withSite(t: Parameters<typeof buildEditions>[0]) {
  const pages: Record<string, TestPage> = { '/ok': page(), '/gone': page(404), '/flaky': page(503), '/moved-here': page() };
  const site = await startPageServer(t, pages);
  const clock = manualClock(new Date());
  const built = await buildEditions(t, { clock, env: { FETCH_ALLOW_PRIVATE: 'true' }, linkHealth: { hostDelayMs: 0, perHost: 10 } });
  const { services } = built;
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Ops' });
  const ids: Record<string, string> = {};
  for (const name of ['ok', 'gone', 'flaky']) {
    const { link } = await services.links.add({
      actor: owner!,
      input: { url: `${site.origin}/${name}`, title: `Page ${name}`, commentary: 'À lire.', categoryId: category.id },
    });
    ids[name] = link.id;
  }
  await services.editions.ensureDraft({ period: PERIOD });
  await services.editions.addLinks({ id: PERIOD, linkIds: Object.values(ids) });
  const row = await services.editions.publish({ period: PERIOD });
  const stats = async () => {
    const response = await built.call('GET', `/api/v1/editions/${PERIOD}/stats`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ deadLinks: DeadLinkJson[] }>();
  };
  const publicPage = async () => {
    const response = await built.app.inject({ method: 'GET', url: editionPath(row) });
    assert.equal(response.statusCode, 200);
    return response.body;
  };
  return { ...built, site, pages, clock, ids, stats, publicPage };
}

test('the health job checks every published link, and a link that fails twice in a row gets an archived copy on the public page', async (t) => {
  const testApp = await withSite(t);
  const { services, site, pages, clock, ids, stats, publicPage, database } = testApp;

  const first = await services.linkHealth.run();
  assert.deepEqual({ links: first.links, died: first.died }, { links: 3, died: 0 });
  assert.deepEqual(site.hits.sort(), ['/flaky', '/gone', '/ok'], 'each link fetched once, from the local site');
  assert.equal((await stats()).deadLinks.length, 0, 'one failure is not death');
  assert.doesNotMatch(await publicPage(), /archived-copy/);
  const admin = await testApp.client.get(`/admin/editions/${PERIOD}/stats`);
  assert.match(admin.body, /Failing once \(2\)/, 'the admin lists the links that failed once');

  assert.equal((await services.linkHealth.run()).links, 0, 'nothing is due again at once');

  // A day later the failing links are checked again (the one that loaded waits a week); one came back.
  pages['/flaky'] = page();
  clock.advance(25 * HOUR_MS);
  const second = await services.linkHealth.run();
  assert.deepEqual({ links: second.links, died: second.died }, { links: 2, died: 1 });

  const dead = (await stats()).deadLinks;
  assert.deepEqual(
    dead.map((link) => link.id),
    [ids.gone],
  );
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  assert.equal(dead[0]!.archivedCopy, `https://web.archive.org/web/${day}/${site.origin}/gone`, "the Internet Archive's copy at the edition's date");
  const html = await publicPage();
  assert.match(
    html,
    new RegExp(
      `<a href="${site.origin}/gone">Page gone</a> <span class="archived-copy">\\(<a href="https://web\\.archive\\.org/web/${day}/${site.origin}/gone" title="[^"]+">copie archivée</a>\\)</span>`,
    ),
    'the dead link is followed by its archived copy, in the readers’ language',
  );
  assert.doesNotMatch(html, /flaky">Page flaky<\/a> <span class="archived-copy">/, 'a link that came back has none');

  const history = await database.pool.query<{ url: string; ok: boolean }>('SELECT url, ok FROM link_health_checks WHERE link_id = $1 ORDER BY id', [ids.gone]);
  assert.deepEqual(
    history.rows.map((row) => row.ok),
    [false, false],
    'every check is kept in the link’s history',
  );
  const list = await testApp.client.get('/admin/editions');
  assert.match(list.body, /1 dead link</, 'the editions list counts the dead links');
});

test('the editor gives a dead link a new address, which clears its dead state; a bad address is refused with what was typed', async (t) => {
  const testApp = await withSite(t);
  const { services, site, pages, clock, ids, stats, publicPage, client } = testApp;
  await services.linkHealth.run();
  pages['/flaky'] = page();
  clock.advance(25 * HOUR_MS);
  await services.linkHealth.run();
  assert.equal((await stats()).deadLinks.length, 1);

  const action = `/admin/editions/${PERIOD}/links/${ids.gone}/url`;
  const refused = await client.postForm(action, { url: 'javascript:alert(1)' });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.match(refused.body, /value="javascript:alert\(1\)"/, 'what was typed comes back beside its link');
  assert.equal((await stats()).deadLinks.length, 1, 'nothing changed');

  const unknown = await client.postForm(`/admin/editions/${PERIOD}/links/00000000-0000-4000-8000-000000000000/url`, { url: `${site.origin}/moved-here` });
  assert.equal(unknown.statusCode, 404);

  const replaced = await client.postForm(action, { url: `${site.origin}/moved-here` });
  assert.equal(replaced.statusCode, 303, replaced.body);
  assert.equal((await stats()).deadLinks.length, 0, 'the new address starts a history of its own');
  const html = await publicPage();
  assert.match(html, new RegExp(`<a href="${site.origin}/moved-here">Page gone</a>`), 'the page links the new address, title kept');
  assert.doesNotMatch(html, /archived-copy/);
  const next = await services.linkHealth.run();
  assert.equal(next.links, 1, 'the new address is checked on the next run');
});

test('runs started together on several workers share the due links: none is checked twice', async (t) => {
  const testApp = await withSite(t);
  const { services, site, database } = testApp;
  const runs = await Promise.all([services.linkHealth.run(), services.linkHealth.run(), services.linkHealth.run()]);
  assert.equal(
    runs.reduce((sum, run) => sum + run.links, 0),
    3,
  );
  assert.equal(site.hits.length, 3, 'each URL fetched once');
  const { rows } = await database.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM link_health_checks');
  assert.equal(rows[0]!.count, 3);
});
