import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApi, listIds, type ErrorBody, type LinkBody } from '../../helpers/links-api.ts';
import { sql } from '../../helpers/sql.ts';

test('GET /api/v1/links filters by status, category (name, id or "none") and tag', async (t) => {
  const { call, create } = await buildApi(t);
  const opsTagged = await create({ url: 'https://example.org/1', commentary: 'Done.', category: 'Ops', tags: ['k8s'] });
  const opsPlain = await create({ url: 'https://example.org/2', commentary: 'Done.', category: 'Ops' });
  const unsortedTagged = await create({ url: 'https://example.org/3', commentary: 'Done.', tags: ['k8s', 'rust'] });
  const noCommentary = await create({ url: 'https://example.org/4', category: 'Dev' });
  const sorted = (ids: string[]) => [...ids].sort();

  assert.deepEqual(await listIds(call, ''), [noCommentary.id, unsortedTagged.id, opsPlain.id, opsTagged.id], 'the inbox, newest first');
  assert.deepEqual(sorted(await listIds(call, 'category=Ops')), sorted([opsTagged.id, opsPlain.id]));
  assert.deepEqual(sorted(await listIds(call, `category=${opsTagged.categoryId}`)), sorted([opsTagged.id, opsPlain.id]));
  assert.deepEqual(await listIds(call, 'category=none'), [unsortedTagged.id]);
  assert.deepEqual(sorted(await listIds(call, 'tag=k8s')), sorted([opsTagged.id, unsortedTagged.id]));
  assert.deepEqual(sorted(await listIds(call, 'tag=%23K8S')), sorted([opsTagged.id, unsortedTagged.id]), 'the tag filter is normalised like tags');
  assert.deepEqual(await listIds(call, 'category=Ops&tag=k8s'), [opsTagged.id], 'filters combine');
  assert.deepEqual(await listIds(call, 'tag=python'), []);
  assert.deepEqual(sorted(await listIds(call, 'status=needs_work')), sorted([unsortedTagged.id, noCommentary.id]), 'needs work: no category or no commentary');
  assert.deepEqual(await listIds(call, 'status=fetch_failed'), []);
  assert.deepEqual(await listIds(call, 'status=in_edition'), []);
  assert.deepEqual(await listIds(call, 'status=published'), []);
  assert.equal((await listIds(call, 'status=all')).length, 4);

  const unknown = await call('GET', '/api/v1/links?category=Nope');
  assert.equal(unknown.statusCode, 422);
  assert.match(unknown.json<ErrorBody>().fields?.category ?? '', /no category "Nope"/);

  await call('DELETE', `/api/v1/links/${opsPlain.id}`);
  assert.deepEqual(await listIds(call, 'category=Ops'), [opsTagged.id], 'deleted links are not listed');
});

test('cursor pagination walks every link exactly once, newest first, and ends with a null cursor', async (t) => {
  const { call, create } = await buildApi(t);
  const created: string[] = [];
  for (let index = 1; index <= 7; index += 1)
    created.push((await create({ url: `https://example.org/page-${index}`, commentary: `Serveur numéro ${index}` })).id);

  async function walk(query: string): Promise<{ pages: string[][] }> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const response = await call('GET', `/api/v1/links?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<{ links: LinkBody[]; nextCursor: string | null }>();
      pages.push(body.links.map((link) => link.id));
      cursor = body.nextCursor;
      assert.ok(pages.length <= 10, 'the walk ends');
    } while (cursor);
    return { pages };
  }

  const recent = await walk('limit=3');
  assert.deepEqual(
    recent.pages.map((page) => page.length),
    [3, 3, 1],
  );
  assert.deepEqual(recent.pages.flat(), [...created].reverse(), 'no link missing, none twice, newest first');

  const exact = await walk('limit=7');
  assert.deepEqual(
    exact.pages.map((page) => page.length),
    [7],
    'a page that holds everything has no next cursor',
  );

  // Search results are ranked; their cursor pages through the ranking.
  const searched = await walk('q=serveur&limit=3');
  assert.deepEqual(
    searched.pages.map((page) => page.length),
    [3, 3, 1],
  );
  assert.deepEqual([...searched.pages.flat()].sort(), [...created].sort());
});

test('cursor pagination keeps links created in the same instant (several inserted by one transaction)', async (t) => {
  const { call, create, database } = await buildApi(t);
  const created: string[] = [];
  for (let index = 1; index <= 12; index += 1) created.push((await create({ url: `https://example.org/batch-${index}`, commentary: 'Imported link' })).id);
  // An import inserts its links in one transaction, where now() is one microsecond-precise instant.
  await database.pool.query(sql`update links set created_at = '2024-06-01T10:00:00.123456Z'`);

  for (const query of ['limit=2', 'limit=5', 'q=imported&limit=2', 'q=imported&limit=5']) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const response = await call('GET', `/api/v1/links?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<{ links: LinkBody[]; nextCursor: string | null }>();
      seen.push(...body.links.map((link) => link.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, seen.length, `${query}: no link twice`);
    assert.deepEqual([...seen].sort(), [...created].sort(), `${query}: every link is listed`);
  }
});

test('search ignores accents and finds word forms, in French and in English', async (t) => {
  const { call, create } = await buildApi(t);
  const french = await create({ url: 'https://example.org/fr', title: 'TimescaleDB', commentary: 'Les données de séries temporelles' });
  const english = await create({ url: 'https://example.org/en', title: 'Scaling Postgres', commentary: 'Notes on running databases in production.' });
  const other = await create({ url: 'https://example.org/k8s', title: 'Kubernetes', commentary: 'Orchestration de conteneurs.' });

  assert.deepEqual(await listIds(call, 'q=donnees'), [french.id], 'without the accent');
  assert.deepEqual(await listIds(call, 'q=DONN%C3%89ES'), [french.id], 'in capitals with the accent');
  assert.deepEqual(await listIds(call, 'q=temporelle'), [french.id], 'the singular finds the plural');
  assert.deepEqual(await listIds(call, 'q=serie'), [french.id]);
  assert.deepEqual(await listIds(call, 'q=database'), [english.id], 'English stems: database finds databases');
  assert.deepEqual(await listIds(call, 'q=run'), [english.id], 'run finds running');
  assert.deepEqual(await listIds(call, 'q=conteneur'), [other.id]);
  assert.deepEqual(await listIds(call, 'q=timescaledb'), [french.id], 'titles are searched');
  assert.deepEqual(await listIds(call, 'q=mongodb'), []);
  assert.deepEqual(await listIds(call, 'q=%20%20'), [other.id, english.id, french.id], 'a blank search lists everything');
  // websearch syntax: quotes, OR and "-" never make a syntax error.
  assert.deepEqual(await listIds(call, `q=${encodeURIComponent('"séries temporelles" -kubernetes')}`), [french.id]);
  assert.deepEqual((await listIds(call, `q=${encodeURIComponent('donnees or conteneurs')}`)).sort(), [french.id, other.id].sort());
  for (const odd of ['(((', '&|!:*', "'", '\\', 'a:*', '"']) {
    const response = await call('GET', `/api/v1/links?q=${encodeURIComponent(odd)}`);
    assert.equal(response.statusCode, 200, `search for ${odd}: ${response.body}`);
  }
});
