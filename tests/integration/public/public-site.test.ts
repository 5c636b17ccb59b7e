import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import { assertInert, buildEditions, type EditionJson, unescapeXml } from '../../helpers/edition-app.ts';

test('public pages are cached with ETag and Last-Modified, and corrections show at once with a note', async (t) => {
  const { app, services, publishWith } = await buildEditions(t);
  const { edition, linkId } = await publishWith(
    '2024-06',
    { url: 'https://example.org/caddy', title: 'Caddy 2.8', commentary: 'Première version du commentaire.' },
    { intro: 'Intro d’origine.' },
  );
  const url = editionPath(edition);

  const first = await app.inject({ method: 'GET', url });
  assert.equal(first.statusCode, 200);
  const etag = first.headers.etag as string;
  assert.ok(etag, 'an ETag');
  assert.ok(first.headers['last-modified'], 'a Last-Modified');
  assert.doesNotMatch(first.body, /Corrigé le/);

  const notModified = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
  assert.equal(notModified.statusCode, 304);
  assert.equal(notModified.body, '');
  const sinceModified = await app.inject({ method: 'GET', url, headers: { 'if-modified-since': first.headers['last-modified'] as string } });
  assert.equal(sinceModified.statusCode, 304);

  // A link of the published edition is edited: the page shows it at once.
  await services.links.update({ id: linkId, input: { commentary: 'Commentaire corrigé.' } });
  const afterLinkEdit = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
  assert.equal(afterLinkEdit.statusCode, 200, 'the cached page is stale after a link edit');
  assert.ok(afterLinkEdit.body.includes('Commentaire corrigé.'));
  assert.notEqual(afterLinkEdit.headers.etag, etag);

  // The intro is corrected: the page shows the new text and says so.
  const current = await services.editions.find({ id: edition.id });
  await services.editions.update({ id: edition.id, input: { version: current.version, intro: 'Intro corrigée.' } });
  const corrected = await app.inject({ method: 'GET', url, headers: { 'if-none-match': afterLinkEdit.headers.etag as string } });
  assert.equal(corrected.statusCode, 200);
  assert.ok(corrected.body.includes('Intro corrigée.'));
  assert.doesNotMatch(corrected.body, /Intro d’origine/);
  assert.match(corrected.body, /Corrigé le/);
  assert.ok((await services.editions.find({ id: edition.id })).correctedAt);

  const feed = await app.inject({ method: 'GET', url: '/feed.json' });
  assert.ok(feed.body.includes('Intro corrigée.'), 'the feeds follow the correction');
});

test('unpublished and unknown permalinks are 404 in the newsletter’s language; hostile Markdown is inert', async (t) => {
  const { app, services, publishWith, call } = await buildEditions(t);
  const hostile = 'Salut <script>alert(1)</script> et [clic](javascript:alert(1)) <img src=x onerror="alert(2)">';
  const { edition } = await publishWith(
    '2024-06',
    { url: 'https://example.org/x', title: 'Un lien', commentary: '[encore](javascript:alert(3)) <script>alert(4)</script>' },
    { intro: hostile },
  );
  const url = editionPath(edition);

  for (const surface of [url, '/']) {
    const response = await app.inject({ method: 'GET', url: surface });
    assert.equal(response.statusCode, 200, surface);
    assertInert(response.body, surface);
  }
  const rss = await app.inject({ method: 'GET', url: '/feed.xml' });
  assert.doesNotMatch(rss.body, /<script>alert/i, 'RSS: no live script outside the HTML parts');
  const rssHtml = [...rss.body.matchAll(/<content:encoded><!\[CDATA\[([\s\S]*?)\]\]><\/content:encoded>/g)].map((match) => match[1]!);
  assert.equal(rssHtml.length, 1);
  assertInert(rssHtml.join('\n'), 'RSS content');
  const atom = await app.inject({ method: 'GET', url: '/atom.xml' });
  assert.doesNotMatch(atom.body, /<script>alert/i, 'Atom: no live script outside the HTML parts');
  const atomHtml = [...atom.body.matchAll(/<content type="html">([\s\S]*?)<\/content>/g)].map((match) => unescapeXml(match[1]!));
  assert.equal(atomHtml.length, 1);
  assertInert(atomHtml.join('\n'), 'Atom content');
  const json = (await app.inject({ method: 'GET', url: '/feed.json' })).json<{ items: Array<{ content_html: string }> }>();
  assert.equal(json.items.length, 1);
  assertInert(json.items[0]!.content_html, 'JSON Feed content_html');
  assert.match(json.items[0]!.content_html, /Salut/);

  const page = await app.inject({ method: 'GET', url });
  assert.match(page.body, /Salut/);

  const unpublished = await call('POST', '/api/v1/editions/2024-06/unpublish');
  assert.equal(unpublished.statusCode, 200, unpublished.body);
  assert.equal(unpublished.json<EditionJson>().status, 'draft');
  const gone = await app.inject({ method: 'GET', url });
  assert.equal(gone.statusCode, 404);
  assert.match(gone.body, /Page introuvable/);
  assert.match(gone.body, /lang="fr"/);
  const goneFeed = await app.inject({ method: 'GET', url: '/feed.json' });
  assert.ok(!goneFeed.body.includes(url), 'gone from the feeds too');

  for (const path of ['/2024/06/nope', '/2030/13/x', '/2024/07/' + edition.slug, '/abcd/06/x']) {
    const response = await app.inject({ method: 'GET', url: path });
    assert.equal(response.statusCode, 404, path);
    assert.match(response.body, /Page introuvable/, path);
  }

  await services.settings.update({ actor: OPERATOR, input: { locale: 'en' } });
  const english = await app.inject({ method: 'GET', url: '/2024/06/nope' });
  assert.equal(english.statusCode, 404);
  assert.match(english.body, /Page not found/);
});

test('reader search finds an edition by a link commentary, accents or not', async (t) => {
  const { app, publishWith, services } = await buildEditions(t);
  const { edition } = await publishWith('2024-06', {
    url: 'https://example.org/db',
    title: 'Un article',
    commentary: 'Une abstraction au-dessus de la base de données.',
  });
  await services.editions.ensureDraft({ period: '2024-07' });

  for (const q of ['donnees', 'données']) {
    const response = await app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(q)}` });
    assert.equal(response.statusCode, 200, q);
    assert.ok(response.body.includes(`href="${editionPath(edition)}"`), `"${q}" finds the edition`);
  }
  const none = await app.inject({ method: 'GET', url: '/search?q=kubernetes' });
  assert.equal(none.statusCode, 200);
  assert.ok(!none.body.includes(`href="${editionPath(edition)}"`));
  const blank = await app.inject({ method: 'GET', url: '/search?q=' });
  assert.equal(blank.statusCode, 200);
  const hostile = await app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent('"<script>x</script> & | !(')}` });
  assert.equal(hostile.statusCode, 200, 'any query text is a search, never a 500');
  assert.doesNotMatch(hostile.body, /<script>x/);
});

test('the archive pages by 20, filters by year, and 404s past the last page', async (t) => {
  const { app, services, createLink } = await buildEditions(t);
  const periods: string[] = [];
  for (let index = 0; index < 25; index++) {
    const year = 2022 + Math.floor(index / 12);
    periods.push(`${year}-${String((index % 12) + 1).padStart(2, '0')}`);
  }
  assert.equal(periods.at(-1), '2024-01');
  const paths = new Map<string, string>();
  for (const period of periods) {
    const draft = await services.editions.ensureDraft({ period });
    await services.editions.addLinks({ id: draft.id, linkIds: [await createLink({ url: `https://example.org/${period}`, title: `Lien ${period}` })] });
    paths.set(period, editionPath(await services.editions.publish({ id: draft.id })));
  }
  const shown = (body: string) => periods.filter((period) => body.includes(`href="${paths.get(period)}"`));

  const first = await app.inject({ method: 'GET', url: '/archive' });
  assert.equal(first.statusCode, 200);
  assert.equal(shown(first.body).length, 20);
  assert.ok(shown(first.body).includes('2024-01'), 'newest first');
  assert.match(first.body, /href="\/archive\?page=2"/);

  const second = await app.inject({ method: 'GET', url: '/archive?page=2' });
  assert.equal(second.statusCode, 200);
  assert.deepEqual(shown(second.body).sort(), periods.slice(0, 5).sort());
  assert.match(second.body, /href="\/archive\?page=1"/);
  assert.doesNotMatch(second.body, /page=3/);

  const year = await app.inject({ method: 'GET', url: '/archive/2023' });
  assert.equal(year.statusCode, 200);
  assert.deepEqual(
    shown(year.body).sort(),
    periods.filter((period) => period.startsWith('2023')),
  );

  for (const url of ['/archive?page=99', '/archive/2019', '/archive/2023?page=2']) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 404, url);
  }
  for (const url of ['/archive?page=0', '/archive?page=x']) {
    const response = await app.inject({ method: 'GET', url });
    assert.ok([400, 404].includes(response.statusCode), `${url}: ${response.statusCode}`);
  }
});

test('renaming a category a published edition shows, or moving its link out, makes its page stale at once', async (t) => {
  const { app, services } = await buildEditions(t);
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Ops' });
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  const kept = (await services.links.add({ actor: owner!, input: { url: 'https://example.org/ops', title: 'Caddy 2.8', categoryId: category.id } })).link.id;
  const moved = (await services.links.add({ actor: owner!, input: { url: 'https://example.org/web', title: 'Traefik 3', categoryId: category.id } })).link.id;
  await services.editions.addLinks({ id: draft.id, linkIds: [kept, moved] });
  const edition = await services.editions.publish({ id: draft.id });
  const url = editionPath(edition);
  const first = await app.inject({ url });
  assert.match(first.body, />Ops<\/h2>/);

  // The category is not the edition's row: the freshness trigger moves its updated_at.
  const before = (await services.editions.find({ id: edition.id })).updatedAt;
  await services.categories.rename({ id: category.id, name: 'Opérations' });
  assert.ok((await services.editions.find({ id: edition.id })).updatedAt > before, 'the rename touched the edition');
  const renamed = await app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } });
  assert.equal(renamed.statusCode, 200, 'the cached page is stale after the rename');
  assert.match(renamed.body, />Opérations<\/h2>/);

  await services.editions.removeLink({ id: draft.id, linkId: moved });
  const without = await app.inject({ url, headers: { 'if-none-match': renamed.headers.etag as string } });
  assert.equal(without.statusCode, 200, 'the cached page is stale after a link left the edition');
  assert.ok(without.body.includes('Caddy 2.8'));
  assert.ok(!without.body.includes('Traefik 3'));
});
