// Searching as people type: every word is a prefix, accents never matter, the best matches first;
// the same in the admin inbox, the JSON API and the public site.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkAnchor } from '../../../apps/domain/editions/edition-render.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import { buildEditions } from '../../helpers/edition-app.ts';
import { buildInbox, rowIds } from '../../helpers/inbox.ts';
import { buildApi, listIds } from '../../helpers/links-api.ts';

test('the API finds links by the start of their words, accents or not, best matches first', async (t) => {
  const { call, create } = await buildApi(t);
  const htmx = await create({ url: 'https://htmx.org/essays/', title: 'htmx essays', commentary: 'Hypermedia, again.' });
  const postgres = await create({ url: 'https://www.postgresql.org/docs/17/', title: 'PostgreSQL 17', commentary: 'Les nouveautés.' });
  const mention = await create({ url: 'https://example.org/orm', title: 'An ORM', commentary: 'Works with PostgreSQL and SQLite.' });
  const orchestration = await create({ url: 'https://example.org/k8s', title: 'Kubernetes', commentary: 'Orchestration de conteneurs éphémères.' });

  assert.deepEqual(await listIds(call, 'q=htm'), [htmx.id], '"htm" finds htmx');
  assert.deepEqual(await listIds(call, 'q=HTM'), [htmx.id], 'in capitals too');
  assert.deepEqual(await listIds(call, 'q=postgres'), [postgres.id, mention.id], '"postgres" finds PostgreSQL, the title first');
  assert.deepEqual(await listIds(call, 'q=orchestrat'), [orchestration.id], 'a prefix that is not a prefix of the stem');
  assert.deepEqual(await listIds(call, 'q=ephem'), [orchestration.id], 'without its accents');
  assert.deepEqual(await listIds(call, `q=${encodeURIComponent('éphém')}`), [orchestration.id], 'with its accents');
  assert.deepEqual(await listIds(call, `q=${encodeURIComponent('nouveaut')}`), [postgres.id]);
  assert.deepEqual(await listIds(call, 'q=postgres%20sqlite'), [mention.id], 'every word must match');
  assert.deepEqual(await listIds(call, 'q=postgres%20-sqlite'), [postgres.id], 'a word can be excluded');
  assert.deepEqual(await listIds(call, 'q=mongo'), []);
  for (const odd of ['?!', ':*', "'htm", 'htm:*', '"htm', '-', 'or or']) {
    const response = await call('GET', `/api/v1/links?q=${encodeURIComponent(odd)}`);
    assert.equal(response.statusCode, 200, `search for ${odd}: ${response.body}`);
  }
  assert.deepEqual(await listIds(call, `q=${encodeURIComponent('?!')}`), [], 'a search with no word finds nothing');
});

test('the inbox search finds prefixes and shows a link without title by its host and path', async (t) => {
  const { owner, add } = await buildInbox(t);
  const htmx = await add({ url: 'https://htmx.org/essays/', title: 'htmx essays', commentary: 'Hypermedia.' });
  const untitled = await add({ url: 'https://www.example.org/posts/%C3%A9t%C3%A9?utm_source=x#top', commentary: 'Un billet sur htmx.' });

  const results = await owner.get('/admin/inbox?q=htm');
  assert.equal(results.statusCode, 200);
  assert.deepEqual(rowIds(results.body), [htmx.id, untitled.id], 'the title match ranks first');
  assert.match(results.body, /<mark>htmx<\/mark> essays/);
  assert.ok(results.body.includes('example.org/posts/été'), 'the untitled link reads as its host and path');
  assert.ok(!results.body.includes('>https://www.example.org/posts'), 'not as the raw address');
});

test('public search finds prefixes and points at the link on the edition page', async (t) => {
  const { app, publishWith } = await buildEditions(t);
  const { edition, linkId } = await publishWith('2024-06', {
    url: 'https://www.postgresql.org/docs/17/',
    title: 'PostgreSQL 17',
    commentary: 'Les nouveautés de la version.',
  });

  for (const q of ['postgres', 'POSTGRE', 'nouveaute', 'nouveauté']) {
    const response = await app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(q)}` });
    assert.equal(response.statusCode, 200, q);
    assert.ok(response.body.includes(`href="${editionPath(edition)}#${linkAnchor(linkId)}"`), `"${q}" links to the link on its edition`);
  }
  const page = await app.inject({ method: 'GET', url: editionPath(edition) });
  assert.ok(page.body.includes(`id="${linkAnchor(linkId)}"`), 'the edition page carries the anchor');
  const none = await app.inject({ method: 'GET', url: '/search?q=mongo' });
  assert.ok(!none.body.includes(`href="${editionPath(edition)}`));
});
