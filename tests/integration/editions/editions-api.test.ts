import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertInOrder, buildEditions, escapeHtml, FRENCH, type EditionJson, type ErrorBody } from '../../helpers/edition-app.ts';
import { type Sample } from '../../helpers/samples.ts';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');
const SAMPLE_NAME = 'web-ops-iot-et-time-series-juin-2024';
const sample = JSON.parse(readFileSync(path.join(SAMPLES, `${SAMPLE_NAME}.json`), 'utf8')) as Sample;
const sampleMarkdown = readFileSync(path.join(SAMPLES, `${SAMPLE_NAME}.md`), 'utf8');

test('ensureDraft creates the period’s draft titled from the template, once; a weekly cadence gives ISO weeks', async (t) => {
  const clock = manualClock('2024-06-15T10:00:00Z');
  const { services } = await buildTestApp(t, { clock });
  await services.settings.update({ actor: OPERATOR, input: FRENCH });

  const draft = await services.editions.ensureDraft();
  assert.equal(draft.period, '2024-06');
  assert.equal(draft.title, 'Web, Ops, IoT et Time Series - Juin 2024');
  assert.equal(draft.slug, 'web-ops-iot-et-time-series-juin-2024');
  assert.equal(draft.status, 'draft');

  const again = await services.editions.ensureDraft();
  assert.equal(again.id, draft.id, 'the same draft, not a second one');
  assert.equal((await services.editions.list()).length, 1);

  await services.settings.update({ actor: OPERATOR, input: { cadence: 'weekly' } });
  assert.equal(await services.editions.currentPeriod(), '2024-W24');
  const weekly = await services.editions.ensureDraft();
  assert.equal(weekly.period, '2024-W24');
  assert.notEqual(weekly.slug, draft.slug, 'slugs stay unique');
});

test('the June 2024 sample built through the API is published everywhere and exports as the sample Markdown', async (t) => {
  const { app, client, call, createLink } = await buildEditions(t);

  const sections: Array<{ category: string; links: string[] }> = [];
  for (const category of sample.categories) {
    const ids: string[] = [];
    for (const link of category.links) ids.push(await createLink({ url: link.url, title: link.title, commentary: link.commentary }));
    sections.push({ category: category.name, links: ids });
  }
  const put = await call('PUT', '/api/v1/editions/2024-06', { title: sample.title, tags: sample.tags, intro: sample.intro, sections });
  assert.equal(put.statusCode, 201, put.body);

  const fetched = await call('GET', '/api/v1/editions/2024-06');
  assert.equal(fetched.statusCode, 200, fetched.body);
  const edition = fetched.json<EditionJson>();
  assert.equal(edition.status, 'draft');
  assert.equal(edition.title, sample.title);
  assert.equal(edition.slug, SAMPLE_NAME);
  assert.deepEqual(edition.tags, sample.tags);
  assert.equal(edition.intro, sample.intro);
  assert.equal(edition.url, `http://veille.test/2024/06/${SAMPLE_NAME}`);
  assert.deepEqual(
    edition.sections.map((section) => ({ category: section.category, links: section.links.map((link) => link.id) })),
    sections,
    'every category in order, empty ones included, links in order',
  );
  assert.deepEqual(
    edition.sections.flatMap((section) => section.links.map(({ title, url, commentary }) => ({ title, url, commentary }))),
    sample.categories.flatMap((category) => category.links.map(({ title, url, commentary }) => ({ title, url, commentary }))),
  );
  assert.equal(put.json<EditionJson>().version, edition.version);

  const list = await call('GET', '/api/v1/editions');
  assert.deepEqual(
    list
      .json<{ editions: Array<{ period: string; status: string; links: number }> }>()
      .editions.map(({ period, status, links }) => ({ period, status, links })),
    [{ period: '2024-06', status: 'draft', links: 10 }],
  );

  const hidden = await app.inject({ method: 'GET', url: `/2024/06/${SAMPLE_NAME}` });
  assert.equal(hidden.statusCode, 404, 'a draft is not public');

  const published = await call('POST', '/api/v1/editions/2024-06/publish');
  assert.equal(published.statusCode, 200, published.body);
  assert.equal(published.json<EditionJson>().status, 'published');
  assert.ok(published.json<EditionJson>().publishedAt);

  const titles = sample.categories.flatMap((category) => category.links.map((link) => escapeHtml(link.title)));
  const headings = sample.categories.map((category) => `>${escapeHtml(category.name)}</h2>`);
  const page = await app.inject({ method: 'GET', url: `/2024/06/${SAMPLE_NAME}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.ok(page.body.includes(escapeHtml(sample.title)));
  assertInOrder(page.body, headings, 'section headings');
  assertInOrder(page.body, titles, 'link titles');
  assert.ok(page.body.includes(escapeHtml(sample.intro)) || page.body.includes(sample.intro.replaceAll('&', '&amp;')), 'the intro');

  const home = await app.inject({ method: 'GET', url: '/' });
  assert.equal(home.statusCode, 200);
  assert.ok(home.body.includes(escapeHtml(sample.title)));
  assertInOrder(home.body, titles, 'home page');

  for (const url of ['/archive', '/archive/2024', '/tags/caddy']) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, url);
    assert.ok(response.body.includes(`href="/2024/06/${SAMPLE_NAME}"`), `${url} links to the edition`);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/tags/nothing-here' })).statusCode, 404);

  const permalink = `http://veille.test/2024/06/${SAMPLE_NAME}`;
  for (const [url, type] of [
    ['/feed.xml', /^application\/rss\+xml/],
    ['/atom.xml', /^application\/atom\+xml/],
    ['/feed.json', /^application\/feed\+json/],
  ] as const) {
    const feed = await app.inject({ method: 'GET', url });
    assert.equal(feed.statusCode, 200, url);
    assert.match(feed.headers['content-type'] as string, type);
    assert.ok(feed.body.includes(permalink), `${url} has the permalink`);
    assert.ok(feed.body.includes('SqlAlchemy 1.4 async ORM with FastAPI'), `${url} has the content`);
  }
  const jsonFeed = (await app.inject({ method: 'GET', url: '/feed.json' })).json<{ items: Array<{ url: string; title: string }> }>();
  assert.deepEqual(
    jsonFeed.items.map((item) => ({ url: item.url, title: item.title })),
    [{ url: permalink, title: sample.title }],
  );
  const sitemap = await app.inject({ method: 'GET', url: '/sitemap.xml' });
  assert.equal(sitemap.statusCode, 200);
  assert.ok(sitemap.body.includes(`<loc>${permalink}</loc>`));

  const exported = await client.get('/admin/editions/2024-06/export.md');
  assert.equal(exported.statusCode, 200);
  assert.match(exported.headers['content-type'] as string, /^text\/markdown/);
  // Published today, not in June 2024: the date line differs, and the period follows it since the
  // date no longer tells it. Everything else must match.
  const withoutDate = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .filter((line) => !line.startsWith('date = ') && !line.startsWith('period = '))
      .join('\n');
  // The older `sections` shape listed the empty categories on purpose: readers see their headings,
  // and the export says so under each of them.
  const kept = sampleMarkdown.replace(/^(## (?:API|Data|IoT|Time Series|Web))\n(?!\n\*)/gm, '$1\n\n<!-- keep-empty -->\n');
  assert.equal(withoutDate(exported.body), withoutDate(kept));
  assert.match(exported.body, /^date = \d{4}-\d{2}-\d{2}\nperiod = "2024-06"$/m);
});

test('the API refuses to publish an empty edition, unknown or repeated links, bad periods, and callers without a token', async (t) => {
  const { app, call, createLink } = await buildEditions(t);

  const created = await call('PUT', '/api/v1/editions/2024-06', { title: 'Juin', sections: [] });
  assert.equal(created.statusCode, 201, created.body);
  const empty = await call('POST', '/api/v1/editions/2024-06/publish');
  assert.equal(empty.statusCode, 422, empty.body);
  assert.match(empty.json<ErrorBody>().message, /empty/i);
  assert.equal((await call('GET', '/api/v1/editions/2024-06')).json<EditionJson>().status, 'draft');

  const linkId = await createLink({ url: 'https://example.org/a', title: 'A', commentary: 'Bien.' });
  const unknown = await call('PUT', '/api/v1/editions/2024-06', { sections: [{ category: 'Ops', links: [linkId, '00000000-0000-4000-8000-000000000000'] }] });
  assert.equal(unknown.statusCode, 422, unknown.body);
  assert.match(unknown.json<ErrorBody>().message, /Block 1: there is no link with the id 00000000-0000-4000-8000-000000000000/);

  const twice = await call('PUT', '/api/v1/editions/2024-06', {
    sections: [
      { category: 'Ops', links: [linkId] },
      { category: 'Web', links: [linkId] },
    ],
  });
  assert.equal(twice.statusCode, 422, twice.body);
  assert.ok(twice.json<ErrorBody>().message);
  const after = (await call('GET', '/api/v1/editions/2024-06')).json<EditionJson>();
  assert.deepEqual(after.sections, [], 'a refused document changes nothing');

  const notUuid = await call('PUT', '/api/v1/editions/2024-06', { sections: [{ category: 'Ops', links: ['nope'] }] });
  assert.equal(notUuid.statusCode, 422, notUuid.body);

  const replaced = await call('PUT', '/api/v1/editions/2024-06', { sections: [{ category: 'Ops', links: [linkId] }] });
  assert.equal(replaced.statusCode, 200, 'an existing edition is replaced: 200');

  for (const [method, url] of [
    ['GET', '/api/v1/editions/2024-13'],
    ['PUT', '/api/v1/editions/2024-13'],
    ['POST', '/api/v1/editions/2024-13/publish'],
    ['GET', '/api/v1/editions/2025-01'],
  ] as const) {
    const response = await call(method, url, method === 'PUT' ? { title: 'x' } : undefined);
    assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
    assert.equal(response.json<ErrorBody>().error, 'not_found');
  }

  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/editions' });
  assert.equal(anonymous.statusCode, 401);
  const anonymousPut = await app.inject({
    method: 'PUT',
    url: '/api/v1/editions/2024-06',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ title: 'Pwned' }),
  });
  assert.equal(anonymousPut.statusCode, 401);
  const wrongToken = await app.inject({ method: 'POST', url: '/api/v1/editions/2024-06/publish', headers: { authorization: 'Bearer nope' } });
  assert.equal(wrongToken.statusCode, 401);
  assert.equal((await call('GET', '/api/v1/editions/2024-06')).json<EditionJson>().title, 'Juin');
});

test('two editors saving from the same version: the second gets a 409 and the first change stays', async (t) => {
  const { services, client } = await buildEditions(t);
  const draft = await services.editions.ensureDraft({ period: '2024-06' });

  const editor = await client.get('/admin/editions/2024-06');
  assert.equal(editor.statusCode, 200);
  assert.match(editor.body, /name="version"[^>]*value="1"|value="1"[^>]*name="version"/, 'the editor carries version 1');

  const first = await client.postForm('/admin/editions/2024-06', {
    version: '1',
    title: 'Titre du premier',
    slug: draft.slug,
    tags: '',
    intro: 'Premier.',
    outro: '',
  });
  assert.equal(first.statusCode, 303, first.body.slice(0, 300));

  const second = await client.postForm('/admin/editions/2024-06', {
    version: '1',
    title: 'Titre du second',
    slug: draft.slug,
    tags: '',
    intro: 'Second.',
    outro: '',
  });
  assert.equal(second.statusCode, 409);
  assert.match(second.body, /Someone else saved/);
  assert.ok(second.body.includes('Titre du second'), 'the second editor’s text is kept on the page');

  const fragment = await client.postForm(
    '/admin/editions/2024-06',
    { version: '1', title: 'Titre du second', slug: draft.slug, tags: '', intro: 'Second.', outro: '' },
    { 'hx-request': 'true' },
  );
  assert.equal(fragment.statusCode, 409);
  assert.match(fragment.body, /id="save-state"/);
  assert.match(fragment.body, /save-conflict/);
  assert.match(fragment.body, /Someone else saved/);
  assert.doesNotMatch(fragment.body, /<html/i, 'a fragment, not a page');

  const saved = await services.editions.find({ period: '2024-06' });
  assert.equal(saved.title, 'Titre du premier');
  assert.equal(saved.intro, 'Premier.');
  assert.equal(saved.version, 2);

  const autosave = await client.postForm(
    '/admin/editions/2024-06',
    { version: '2', title: 'Titre du second', slug: draft.slug, tags: '', intro: 'Second.', outro: '' },
    { 'hx-request': 'true' },
  );
  assert.equal(autosave.statusCode, 200);
  assert.match(autosave.body, /save-saved/);
  assert.match(autosave.body, /name="version"[^>]*value="3"/, 'the new version goes back to the form');
  assert.equal((await services.editions.find({ period: '2024-06' })).title, 'Titre du second');
});

test('scheduling: a past time is refused, a Paris wall-clock time is stored in UTC and published exactly once when due', async (t) => {
  const clock = manualClock('2024-06-20T08:00:00Z');
  const { services } = await buildTestApp(t, { clock });
  await services.settings.update({ actor: OPERATOR, input: FRENCH });
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.update({
    id: draft.id,
    input: { version: draft.version, blocks: [{ kind: 'text', heading: 'Astuce du mois', body: 'Utilisez `psql`.' }] },
  });

  await assert.rejects(services.editions.schedule({ id: draft.id, at: '2024-06-19T18:00' }), { name: 'ValidationError', message: /past/ });
  await assert.rejects(services.editions.schedule({ id: draft.id, at: 'demain' }), { name: 'ValidationError' });

  const scheduled = await services.editions.schedule({ id: draft.id, at: '2024-06-30T18:00' });
  assert.equal(scheduled.status, 'scheduled');
  assert.equal(scheduled.scheduledAt?.toISOString(), '2024-06-30T16:00:00.000Z', '18:00 in Paris in summer is 16:00 UTC');

  assert.deepEqual(await services.editions.publishDue(), [], 'not due yet');
  clock.set('2024-06-30T15:59:59Z');
  assert.deepEqual(await services.editions.publishDue(), [], 'one second early');

  clock.set('2024-06-30T16:00:30Z');
  const results = await Promise.all([services.editions.publishDue(), services.editions.publishDue(), services.editions.publishDue()]);
  assert.equal(results.flat().length, 1, 'exactly one tick publishes it');
  assert.equal(results.flat()[0]!.id, draft.id);

  const row = await services.editions.find({ id: draft.id });
  assert.equal(row.status, 'published');
  assert.equal(row.publishedAt?.toISOString(), '2024-06-30T16:00:00.000Z', 'published at the scheduled time');
  assert.equal(row.scheduledAt, null);
  assert.deepEqual(await services.editions.publishDue(), []);
  await assert.rejects(services.editions.schedule({ id: draft.id, at: '2024-07-30T18:00' }), { name: 'ConflictError' });
});
