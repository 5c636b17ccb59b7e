import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, setUpOwner, signIn } from '../../helpers/client.ts';
import { buildApi, listIds, UUID, type ErrorBody, type LinkBody } from '../../helpers/links-api.ts';
import { startPageServer } from '../../helpers/page-server.ts';

test('POST /api/v1/links saves a link: 201, Location, the link as JSON, its category created by name, tags normalised', async (t) => {
  const { call, create } = await buildApi(t);

  const response = await call('POST', '/api/v1/links', {
    url: 'https://example.org/article',
    title: '  Un article  ',
    commentary: 'Une **bonne** lecture.',
    category: 'Time Series',
    via: 'Les Cast Codeurs',
    tags: 'Time Series, #PostgreSQL, postgresql,  ',
  });
  assert.equal(response.statusCode, 201, response.body);
  assert.match(response.headers['content-type'] as string, /^application\/json/);
  const link = response.json<LinkBody>();
  assert.match(link.id, UUID);
  assert.equal(response.headers.location, `/api/v1/links/${link.id}`);
  assert.equal(link.url, 'https://example.org/article');
  assert.equal(link.title, 'Un article', 'text fields are trimmed');
  assert.equal(link.commentary, 'Une **bonne** lecture.', 'commentary is stored as the Markdown typed');
  assert.equal(link.via, 'Les Cast Codeurs');
  assert.deepEqual(link.tags, ['time-series', 'postgresql'], 'tags are slugs, without "#", each once');
  assert.equal(link.category, 'Time Series');
  assert.match(link.categoryId ?? '', UUID);
  assert.equal(link.parentId, null);
  assert.equal(link.fetch.status, 'pending', 'the metadata fetch is queued, not awaited');
  assert.equal(link.createdBy, OWNER.name);
  assert.deepEqual(link.children, []);
  assert.deepEqual(link.duplicates, []);

  const fetched = await call('GET', response.headers.location);
  assert.equal(fetched.statusCode, 200);
  assert.equal(fetched.json<LinkBody>().title, 'Un article');

  // The same category name again (any case) files the link into the existing category.
  const second = await create({ url: 'https://example.org/other', category: 'Time Series', tags: ['Rust', 'WebAssembly'] });
  assert.equal(second.categoryId, link.categoryId);
  assert.deepEqual(second.tags, ['rust', 'webassembly'], 'tags may also be sent as an array');

  const categories = await call('GET', '/api/v1/categories');
  assert.equal(categories.statusCode, 200);
  assert.deepEqual(
    categories
      .json<{ categories: Array<{ id: string; name: string; archived: boolean }> }>()
      .categories.map(({ id, name, archived }) => ({ id, name, archived })),
    [{ id: link.categoryId, name: 'Time Series', archived: false }],
  );

  // Only a URL is required; the rest starts empty.
  const bare = await create({ url: 'example.net/page' });
  assert.equal(bare.url, 'https://example.net/page', 'an address without a scheme is taken as https');
  assert.equal(bare.title, null);
  assert.equal(bare.commentary, '');
  assert.equal(bare.category, null);
  assert.deepEqual(bare.tags, []);
});

test('a URL added again with tracking parameters and a fragment is reported as a duplicate of the inbox link', async (t) => {
  const { create } = await buildApi(t);
  const first = await create({ url: 'https://example.org/article', title: 'The article' });
  assert.deepEqual(first.duplicates, []);

  const again = await create({ url: 'https://example.org/article?utm_source=x&utm_medium=y#frag' });
  assert.equal(again.url, 'https://example.org/article#frag', 'tracking parameters are removed from the stored URL');
  assert.deepEqual(again.duplicates, [{ id: first.id, title: 'The article', where: 'inbox', edition: null }]);

  const third = await create({ url: 'http://EXAMPLE.org/article/' });
  assert.deepEqual(
    third.duplicates?.map((duplicate) => duplicate.id),
    [again.id, first.id],
    'http, upper-case host and a trailing slash are the same page; newest first',
  );

  const other = await create({ url: 'https://example.org/article?page=2' });
  assert.deepEqual(other.duplicates, [], 'a meaningful parameter makes another page');
});

test('PATCH changes only the fields given, so two edits of different fields both survive', async (t) => {
  const { call, create } = await buildApi(t);
  const link = await create({ url: 'https://example.org/a', title: 'Title', commentary: 'First commentary', via: 'Someone', tags: ['one'], category: 'Ops' });

  // Two editors opened the same link; one changes the commentary, the other the tags.
  const first = await call('PATCH', `/api/v1/links/${link.id}`, { commentary: 'Better commentary' });
  assert.equal(first.statusCode, 200, first.body);
  const second = await call('PATCH', `/api/v1/links/${link.id}`, { tags: 'two, three' });
  assert.equal(second.statusCode, 200, second.body);

  const after = (await call('GET', `/api/v1/links/${link.id}`)).json<LinkBody>();
  assert.equal(after.commentary, 'Better commentary');
  assert.deepEqual(after.tags, ['two', 'three']);
  assert.equal(after.title, 'Title');
  assert.equal(after.via, 'Someone');
  assert.equal(after.category, 'Ops');
  assert.equal(after.url, 'https://example.org/a');

  const moved = (await call('PATCH', `/api/v1/links/${link.id}`, { category: 'Dev' })).json<LinkBody>();
  assert.equal(moved.category, 'Dev', 'a new category name creates the category');
  const cleared = (await call('PATCH', `/api/v1/links/${link.id}`, { via: '', categoryId: null })).json<LinkBody>();
  assert.equal(cleared.via, null);
  assert.equal(cleared.category, null);
  assert.equal(cleared.commentary, 'Better commentary');

  const readdressed = (await call('PATCH', `/api/v1/links/${link.id}`, { url: 'https://example.org/b' })).json<LinkBody>();
  assert.equal(readdressed.url, 'https://example.org/b');
  assert.equal(readdressed.fetch.status, 'pending', 'a new address is fetched again');

  const missing = await call('PATCH', '/api/v1/links/00000000-0000-4000-8000-000000000000', { title: 'x' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json<ErrorBody>().error, 'not_found');
});

test('a title set by an editor (on creation or through PATCH) is kept when the metadata is fetched', async (t) => {
  const server = await startPageServer(t, {
    '/page': { body: '<html lang="fr"><head><title>Fetched title</title><meta property="og:description" content="Fetched description"></head></html>' },
  });
  const { call, create, services } = await buildApi(t, { env: { FETCH_ALLOW_PRIVATE: 'true' } });

  const plain = await create({ url: `${server.origin}/page` });
  await services.links.fetchMetadata({ linkId: plain.id });
  const fetched = (await call('GET', `/api/v1/links/${plain.id}`)).json<LinkBody>();
  assert.equal(fetched.title, 'Fetched title', 'an untouched title comes from the page');
  assert.equal(fetched.fetch.status, 'ok');

  const patched = await call('PATCH', `/api/v1/links/${plain.id}`, { title: 'My own title' });
  assert.equal(patched.statusCode, 200);
  await services.links.fetchMetadata({ linkId: plain.id });
  const refetched = (await call('GET', `/api/v1/links/${plain.id}`)).json<LinkBody>();
  assert.equal(refetched.title, 'My own title', 'the edited title survives a new fetch');
  assert.equal(refetched.description, 'Fetched description', 'fields not edited still come from the page');

  const titled = await create({ url: `${server.origin}/page?again=1`, title: 'Typed on creation' });
  await services.links.fetchMetadata({ linkId: titled.id });
  assert.equal((await call('GET', `/api/v1/links/${titled.id}`)).json<LinkBody>().title, 'Typed on creation');

  // Clearing the title hands it back to the page.
  await call('PATCH', `/api/v1/links/${plain.id}`, { title: '' });
  await services.links.fetchMetadata({ linkId: plain.id });
  assert.equal((await call('GET', `/api/v1/links/${plain.id}`)).json<LinkBody>().title, 'Fetched title');
});

test('DELETE answers 204, then the link is gone (404) and no longer listed', async (t) => {
  const { call, create } = await buildApi(t);
  const link = await create({ url: 'https://example.org/a' });
  const kept = await create({ url: 'https://example.org/b' });

  const deleted = await call('DELETE', `/api/v1/links/${link.id}`);
  assert.equal(deleted.statusCode, 204);
  assert.equal(deleted.body, '');
  const gone = await call('GET', `/api/v1/links/${link.id}`);
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.json<ErrorBody>().error, 'not_found');
  assert.deepEqual(await listIds(call, 'status=all'), [kept.id]);
  assert.equal((await call('DELETE', `/api/v1/links/${link.id}`)).statusCode, 404, 'deleting twice is a 404');
  assert.equal((await call('DELETE', '/api/v1/links/not-an-id')).statusCode, 404);
  assert.equal((await call('PATCH', `/api/v1/links/${link.id}`, { title: 'x' })).statusCode, 404, 'a deleted link cannot be edited');

  const again = await create({ url: 'https://example.org/a' });
  assert.deepEqual(again.duplicates, [], 'a deleted link is not a duplicate');
});

test('bad input answers 422 naming each field (400 for a body that is not a JSON object) and saves nothing', async (t) => {
  const { call } = await buildApi(t);

  async function refused(body: unknown, field: string, pattern?: RegExp) {
    const response = await call('POST', '/api/v1/links', body);
    assert.equal(response.statusCode, 422, `${JSON.stringify(body).slice(0, 80)}: ${response.body}`);
    const error = response.json<ErrorBody>();
    assert.equal(error.error, 'validation');
    assert.ok(error.message.length > 0);
    assert.ok(error.fields?.[field], `a message for "${field}" in ${JSON.stringify(error.fields)}`);
    if (pattern) assert.match(error.fields[field]!, pattern);
  }

  await refused({}, 'url');
  await refused({ url: 'not a url' }, 'url');
  await refused({ url: 'javascript:alert(1)' }, 'url', /http and https/);
  await refused({ url: 'JAVASCRIPT:alert(1)//example.org' }, 'url', /http and https/);
  await refused({ url: 'data:text/html,<script>alert(1)</script>' }, 'url');
  await refused({ url: 'ftp://example.org/file' }, 'url');
  await refused({ url: 'https://user:secret@example.org/' }, 'url', /user name or password/);
  await refused({ url: 'https://intranet/' }, 'url', /domain name/);
  await refused({ url: `https://example.org/${'a'.repeat(3000)}` }, 'url', /2048/);
  await refused({ url: 42 }, 'url');
  await refused({ url: 'https://example.org/', title: 'x'.repeat(10_000) }, 'title', /at most 1000/);
  await refused({ url: 'https://example.org/', title: 'Line\nbreak' }, 'title');
  await refused({ url: 'https://example.org/', title: ['an', 'array'] }, 'title');
  await refused({ url: 'https://example.org/', commentary: 'x'.repeat(20_001) }, 'commentary');
  await refused({ url: 'https://example.org/', via: 'x'.repeat(301) }, 'via');
  await refused({ url: 'https://example.org/', tags: ['<script>'] }, 'tags', /letters, digits/);
  await refused({ url: 'https://example.org/', tags: 'ok, "quoted"' }, 'tags');
  await refused({ url: 'https://example.org/', tags: Array.from({ length: 21 }, (_, index) => `tag${index}`) }, 'tags', /At most 20/);
  await refused({ url: 'https://example.org/', tags: { a: 1 } }, 'tags');
  await refused({ url: 'https://example.org/', categoryId: 'not-a-uuid' }, 'categoryId');
  await refused({ url: 'https://example.org/', categoryId: '00000000-0000-4000-8000-000000000000' }, 'categoryId');
  await refused({ url: 'https://example.org/', category: 'x'.repeat(101) }, 'category');
  await refused({ url: 'https://example.org/', parentId: '00000000-0000-4000-8000-000000000000' }, 'parentId');

  for (const body of ['[1,2]', '"just text"', '42']) {
    const response = await call('POST', '/api/v1/links', body);
    assert.equal(response.statusCode, 400, `${body}: ${response.body}`);
    assert.match(response.json<ErrorBody>().message, /JSON object/);
  }
  const malformed = await call('POST', '/api/v1/links', '{"url": ');
  assert.equal(malformed.statusCode, 400);
  assert.doesNotMatch(malformed.body, /at .*\.ts:\d+/, 'no stack trace');

  const link = (await call('POST', '/api/v1/links', { url: 'https://example.org/kept', title: 'Kept' })).json<LinkBody>();
  const patchArray = await call('PATCH', `/api/v1/links/${link.id}`, '[1,2]');
  assert.equal(patchArray.statusCode, 400, patchArray.body);
  const patchTitle = await call('PATCH', `/api/v1/links/${link.id}`, { title: 'x'.repeat(10_000), commentary: 'Also sent' });
  assert.equal(patchTitle.statusCode, 422);
  assert.ok(patchTitle.json<ErrorBody>().fields?.title);
  const patchUrl = await call('PATCH', `/api/v1/links/${link.id}`, { url: 'javascript:alert(1)' });
  assert.equal(patchUrl.statusCode, 422);
  const unchanged = (await call('GET', `/api/v1/links/${link.id}`)).json<LinkBody>();
  assert.deepEqual([unchanged.title, unchanged.commentary, unchanged.url], ['Kept', '', 'https://example.org/kept'], 'a refused PATCH changes nothing');
  assert.equal((await call('DELETE', `/api/v1/links/${link.id}`)).statusCode, 204);

  async function refusedQuery(query: string, field: string) {
    const response = await call('GET', `/api/v1/links?${query}`);
    assert.equal(response.statusCode, 422, `${query}: ${response.body}`);
    assert.ok(response.json<ErrorBody>().fields?.[field], `a message for "${field}" in ${response.body}`);
  }
  await refusedQuery('status=archived', 'status');
  await refusedQuery('limit=0', 'limit');
  await refusedQuery('limit=201', 'limit');
  await refusedQuery('limit=abc', 'limit');
  await refusedQuery('limit=2.5', 'limit');
  await refusedQuery('cursor=garbage', 'cursor');
  await refusedQuery(`cursor=${Buffer.from('{"o":-1}').toString('base64url')}`, 'cursor');
  await refusedQuery(`cursor=${Buffer.from('{"t":"yesterday","i":"x"}').toString('base64url')}`, 'cursor');
  await refusedQuery(`q=${'a'.repeat(201)}`, 'q');

  assert.deepEqual(await listIds(call, 'status=all'), [], 'nothing was saved');
});

test('the API refuses requests without a valid token, even from a signed-in browser', async (t) => {
  const { app, call } = await buildApi(t);
  const browser = await signIn(app, OWNER.email, OWNER.password);
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');

  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/links' });
  assert.equal(anonymous.statusCode, 401);
  assert.match(anonymous.headers['www-authenticate'] as string, /^Bearer/);
  assert.equal(anonymous.json<ErrorBody>().error, 'unauthenticated');

  const posted = await app.inject({ method: 'POST', url: '/api/v1/links', payload: { url: 'https://example.org/' } });
  assert.equal(posted.statusCode, 401);
  const wrong = await app.inject({ method: 'GET', url: '/api/v1/links', headers: { authorization: 'Bearer vt_not-a-real-token' } });
  assert.equal(wrong.statusCode, 401);
  const basic = await app.inject({ method: 'GET', url: '/api/v1/links', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(basic.statusCode, 401);
  const withCookie = await app.inject({ method: 'GET', url: '/api/v1/links', headers: { cookie } });
  assert.equal(withCookie.statusCode, 401, 'a session cookie is no API credential');
  for (const [method, url] of [
    ['GET', '/api/v1/links/00000000-0000-4000-8000-000000000000'],
    ['PATCH', '/api/v1/links/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/api/v1/links/00000000-0000-4000-8000-000000000000'],
    ['GET', '/api/v1/categories'],
  ] as const) {
    assert.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url}`);
  }
  assert.deepEqual(await listIds(call, 'status=all'), [], 'nothing was saved');
});

test("a link posted with parentId is nested: it appears in its parent's children and follows the parent", async (t) => {
  const { call, create } = await buildApi(t);
  const parent = await create({ url: 'https://example.org/parent', title: 'Parent', category: 'Ops' });
  const child = await create({ url: 'https://example.org/child', title: 'Child', parentId: parent.id, category: 'Ignored' });
  assert.equal(child.parentId, parent.id);
  assert.equal(child.categoryId, parent.categoryId, "a nested item lives in its parent's category");

  const second = await create({ url: 'https://example.org/child-2', title: 'Second child', parentId: parent.id });
  const withChildren = (await call('GET', `/api/v1/links/${parent.id}`)).json<LinkBody>();
  assert.deepEqual(
    withChildren.children?.map((item) => item.id),
    [child.id, second.id],
    'children in the order they were added',
  );
  assert.equal(withChildren.children?.[0]?.title, 'Child');

  const listed = (await call('GET', '/api/v1/links')).json<{ links: LinkBody[] }>().links;
  assert.deepEqual(
    listed.map((link) => link.id),
    [parent.id],
    'lists show top-level links, with their children inside',
  );
  assert.deepEqual(
    listed[0]!.children?.map((item) => item.id),
    [child.id, second.id],
  );

  const grandchild = await call('POST', '/api/v1/links', { url: 'https://example.org/grandchild', parentId: child.id });
  assert.equal(grandchild.statusCode, 422, 'one level of nesting only');
  assert.ok(grandchild.json<ErrorBody>().fields?.parentId);
  const self = await call('PATCH', `/api/v1/links/${parent.id}`, { parentId: parent.id });
  assert.equal(self.statusCode, 422);
  assert.ok(self.json<ErrorBody>().fields?.parentId);

  const moved = await call('PATCH', `/api/v1/links/${parent.id}`, { category: 'Dev' });
  assert.equal(moved.statusCode, 200);
  const movedChild = (await call('GET', `/api/v1/links/${child.id}`)).json<LinkBody>();
  assert.equal(movedChild.category, 'Dev', 'children follow their parent into its new category');

  const unnested = (await call('PATCH', `/api/v1/links/${second.id}`, { parentId: null })).json<LinkBody>();
  assert.equal(unnested.parentId, null);
  assert.equal((await call('GET', `/api/v1/links/${parent.id}`)).json<LinkBody>().children?.length, 1);

  assert.equal((await call('DELETE', `/api/v1/links/${parent.id}`)).statusCode, 204);
  assert.equal((await call('GET', `/api/v1/links/${child.id}`)).statusCode, 404, 'deleting a parent deletes its nested items');
  assert.equal((await call('GET', `/api/v1/links/${second.id}`)).statusCode, 200, 'a link no longer nested stays');
});

test('a URL featured in a published edition is reported with the edition and its public address', async (t) => {
  const { app, services, database } = await buildTestApp(t);
  await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const { token } = await services.auth.createApiToken({ actor: owner!, name: 'test' });
  const { rows } = await database.pool.query(
    `INSERT INTO editions (period, title, slug, status, published_at) VALUES ('2024-06', 'Web, Ops, IoT et Time Series - Juin 2024', 'juin-2024', 'published', now()) RETURNING id`,
  );
  const { link } = await services.links.add({ actor: owner!, input: { url: 'https://caddyserver.com/docs/', title: 'Caddy docs' } });
  await database.pool.query('UPDATE links SET edition_id = $1 WHERE id = $2', [rows[0].id, link.id]);

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/links',
    headers: { authorization: `Bearer ${token}` },
    payload: { url: 'http://CaddyServer.com/docs?utm_source=rss&fbclid=abc' },
  });
  assert.equal(response.statusCode, 201);
  assert.deepEqual(response.json().duplicates, [
    {
      id: link.id,
      title: 'Caddy docs',
      where: 'edition',
      edition: { period: '2024-06', title: 'Web, Ops, IoT et Time Series - Juin 2024', status: 'published', path: '/2024/06/juin-2024' },
    },
  ]);
});
