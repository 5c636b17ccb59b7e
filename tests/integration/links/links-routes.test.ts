import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { runInNewContext } from 'node:vm';
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import type { Link } from '../../../apps/domain/links/links-service.ts';
import type { Services } from '../../../apps/bootstrap/services.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner, type TestClient } from '../../helpers/client.ts';
import { startPageServer } from '../../helpers/page-server.ts';
import { until } from '../../helpers/wait.ts';

const HX = { 'hx-request': 'true' };

type PostForm = (url: string, body?: Parameters<TestClient['post']>[1], headers?: Record<string, string>) => ReturnType<TestClient['post']>;

/** Ids of the link rows of a page or fragment, in the order they are shown. */
function rowIds(html: string): string[] {
  return [...html.matchAll(/<li class="link-row[^"]*" id="link-([0-9a-f-]{36})"/g)].map((match) => match[1]!);
}

/** The link rows of each group of the inbox page ("none" for "To sort"), in the order they are shown. */
function groupRows(html: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const part of html.split(/<ul class="link-list" id="list-/).slice(1)) {
    const key = /^([0-9a-f-]{36}|none)"/.exec(part)?.[1];
    if (key) groups[key] = rowIds(part.split('</section>')[0]!);
  }
  return groups;
}

/** The app with a signed-in owner, and a shortcut to add links as that owner. */
async function buildInbox(t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}) {
  const built = await buildTestApp(t, options);
  const owner = await setUpOwner(built.app);
  const [user] = await built.services.accounts.listUsers();
  const add = async (input: Record<string, unknown>): Promise<Link> => (await built.services.links.add({ actor: user!, input })).link;
  // The session's CSRF token, read once: posting like the admin forms without reloading a page each time.
  const csrf = await owner.csrfToken();
  const form: PostForm = (url, body = {}, headers = {}) => owner.post(url, { _csrf: csrf, ...body }, headers);
  return { ...built, owner, user: user!, add, form };
}

/** Quick-adds a URL the way the inbox form does with htmx, and returns the new link's id. */
async function quickAdd(form: PostForm, url: string): Promise<string> {
  const response = await form('/admin/links', { url }, HX);
  assert.equal(response.statusCode, 200, response.body);
  const id = rowIds(response.body)[0];
  assert.ok(id, 'the answer holds the new row');
  return id;
}

/** Waits for the metadata job to have handled a link. */
function fetched(services: Services, id: string): Promise<Link> {
  return until(`the metadata of ${id}`, async () => {
    const link = await services.links.get({ id });
    return link.fetchStatus !== 'pending' && link;
  });
}



test('quick-add without JavaScript saves the link and redirects to the inbox with a message', async (t) => {
  const { owner, form, services } = await buildInbox(t);
  const response = await form('/admin/links', { url: 'https://example.org/article' });
  assert.equal(response.statusCode, 303);
  assert.equal(response.headers.location, '/admin/inbox');

  const inbox = await owner.get('/admin/inbox');
  assert.equal(inbox.statusCode, 200);
  assert.match(inbox.body, /Saved\. Its title and description are being fetched\./);
  const [link] = (await services.links.list({ status: 'all' })).links;
  assert.equal(link?.url, 'https://example.org/article');
  assert.deepEqual(rowIds(inbox.body), [link!.id]);
  assert.doesNotMatch((await owner.get('/admin/inbox')).body, /Saved\./, 'the message is shown once');

  const invalid = await form('/admin/links', { url: 'javascript:alert(1)' });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /Only http and https addresses are accepted\./);
  assert.match(invalid.body, /value="javascript:alert\(1\)"/, 'the typed address is kept in the form');
  assert.equal((await services.links.list({ status: 'all' })).links.length, 1);
});

test('quick-add with htmx answers the new row as a fragment and announces the change', async (t) => {
  const { owner, form, services } = await buildInbox(t);
  const response = await form('/admin/links', { url: 'https://example.org/article' }, HX);
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['hx-trigger'], 'links-changed');
  assert.doesNotMatch(response.body, /<html/i, 'a fragment, not a page');
  const [link] = (await services.links.list({ status: 'all' })).links;
  assert.deepEqual(rowIds(response.body), [link!.id]);
  assert.match(response.body, /hx-swap-oob="afterbegin:#list-none"/, 'the row goes to the top of "To sort"');
  assert.match(response.body, /Added “https:\/\/example\.org\/article”/);
  assert.match(response.body, /Fetching title…/);

  const second = await quickAdd(form, 'https://example.org/second');
  assert.deepEqual(groupRows((await owner.get('/admin/inbox')).body).none, [second, link!.id], 'the newest link is first in "To sort", where the row was inserted');

  const invalid = await form('/admin/links', { url: 'not a url' }, HX);
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /Enter a valid web address/);
  assert.equal(invalid.headers['hx-trigger'], undefined);
});

test('adding a URL already in the inbox, with tracking parameters, warns "Already shared"', async (t) => {
  const { owner, form, add } = await buildInbox(t);
  const first = await add({ url: 'https://example.org/article', title: 'The first one' });

  const htmx = await form('/admin/links', { url: 'https://example.org/article?utm_source=x&utm_medium=y#frag' }, HX);
  assert.equal(htmx.statusCode, 200);
  assert.match(htmx.body, /Already shared\./);
  assert.match(htmx.body, /“The first one” is\s+already <a href="\/admin\/inbox#link-[^"]+">in the inbox<\/a>/);
  assert.ok(htmx.body.includes(`#link-${first.id}`));
  assert.match(htmx.body, /remove the one you just added/);

  const plain = await form('/admin/links', { url: 'http://example.org/article/?utm_campaign=z' });
  assert.equal(plain.statusCode, 303);
  assert.match((await owner.get('/admin/inbox')).body, /Saved\. This link is already in the inbox\./);

  // The capture popup warns before saving, and so does the check the URL field makes as it changes.
  const popup = await owner.get(`/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/article?fbclid=abc')}`);
  assert.equal(popup.statusCode, 200);
  assert.match(popup.body, /Already shared\./);
  const saved = await form('/admin/links', { popup: '1', url: 'https://example.org/article?fbclid=abc', title: 'From the popup', commentary: 'Selected text' });
  assert.equal(saved.statusCode, 200, 'the popup shows its own confirmation');
  assert.match(saved.body, /“From the popup” is in the inbox/);
  assert.match(saved.body, /Already shared\./);
  const check = await owner.get(`/admin/links/check?url=${encodeURIComponent('example.org/article')}`, HX);
  assert.match(check.body, /Already shared\./);
  const fresh = await owner.get(`/admin/links/check?url=${encodeURIComponent('https://example.org/other')}`, HX);
  assert.doesNotMatch(fresh.body, /Already shared/);
});

test('searching the inbox ranks and highlights matches; a bad filter answers 422 and keeps the page usable', async (t) => {
  const { owner, add, services } = await buildInbox(t);
  const ops = await services.categories.create({ name: 'Ops' });
  const french = await add({ url: 'https://example.org/fr', title: 'Séries temporelles', commentary: 'Les données de capteurs', categoryId: ops.id, tags: ['tsdb'] });
  const other = await add({ url: 'https://example.org/other', title: 'Kubernetes', commentary: 'Rien à voir' });

  const results = await owner.get('/admin/inbox?q=donnees');
  assert.equal(results.statusCode, 200);
  assert.deepEqual(rowIds(results.body), [french.id]);
  assert.match(results.body, /1 link found\./);
  assert.match(results.body, /<mark>données<\/mark>/, 'the match is highlighted as typed in the text');
  assert.match(results.body, /id="search" name="q" type="search"[^>]*value="donnees"/, 'the search box keeps the words');

  const fragment = await owner.get('/admin/inbox?q=temporelle', { ...HX, 'hx-target': 'inbox-list' });
  assert.equal(fragment.statusCode, 200);
  assert.doesNotMatch(fragment.body, /<html/i, 'typing in the search box swaps the list only');
  assert.deepEqual(rowIds(fragment.body), [french.id]);
  assert.deepEqual(rowIds((await owner.get('/admin/inbox?tag=tsdb')).body), [french.id]);
  assert.deepEqual(rowIds((await owner.get(`/admin/inbox?category=${ops.id}`)).body), [french.id]);
  assert.deepEqual(rowIds((await owner.get('/admin/inbox?category=none')).body), [other.id]);
  assert.match((await owner.get('/admin/inbox?q=mongodb')).body, /No link matches/);

  for (const query of ['status=bogus', 'category=00000000-0000-4000-8000-000000000000', `q=${'a'.repeat(201)}`]) {
    const refused = await owner.get(`/admin/inbox?${query}`);
    assert.equal(refused.statusCode, 422, query);
    assert.match(refused.body, /class="alert alert-error"/, `${query}: the reason is shown`);
    assert.deepEqual(rowIds(refused.body).sort(), [french.id, other.id].sort(), `${query}: the whole inbox is shown instead`);
  }
});

test('inline edit: the form fragment, a 422 that keeps what was typed, then a save that answers the row', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);
  const category = await services.categories.create({ name: 'Time Series' });
  const link = await add({ url: 'https://example.org/a', title: 'Original title', commentary: 'Original commentary' });

  const editForm = await owner.get(`/admin/links/${link.id}/edit?field=commentary`, HX);
  assert.equal(editForm.statusCode, 200);
  assert.doesNotMatch(editForm.body, /<html/i);
  assert.match(editForm.body, /<form class="link-edit-form/);
  assert.match(editForm.body, /data-focus="commentary"/);
  assert.match(editForm.body, /name="title" type="text" value="Original title"/);
  assert.match(editForm.body, />Original commentary<\/textarea>/);
  const page = await owner.get(`/admin/links/${link.id}/edit`);
  assert.match(page.body, /<html/i, 'without htmx the same form is a full page');

  const typed = { title: 'x'.repeat(10_000), commentary: 'Mon commentaire, tapé avec soin', via: 'Les Cast Codeurs', tags: 'tsdb, postgres', categoryId: category.id };
  const refused = await form(`/admin/links/${link.id}`, typed, HX);
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.headers['hx-trigger'], undefined);
  assert.match(refused.body, /Title must be at most 1000 characters\./);
  assert.match(refused.body, /aria-invalid="true"/);
  assert.match(refused.body, />Mon commentaire, tapé avec soin<\/textarea>/, 'the commentary typed is kept');
  assert.match(refused.body, /name="via" type="text" value="Les Cast Codeurs"/);
  assert.match(refused.body, /name="tags" type="text" value="tsdb, postgres"/);
  assert.ok(refused.body.includes(`value="${category.id}" selected`), 'the category chosen stays selected');
  assert.ok(refused.body.includes(`value="${'x'.repeat(10_000)}"`), 'even the refused title is given back to fix');
  const unchanged = await services.links.get({ id: link.id });
  assert.equal(unchanged.title, 'Original title');
  assert.equal(unchanged.commentary, 'Original commentary');

  const withoutHtmx = await form(`/admin/links/${link.id}`, typed);
  assert.equal(withoutHtmx.statusCode, 422);
  assert.match(withoutHtmx.body, /<html/i);
  assert.match(withoutHtmx.body, /Title must be at most 1000 characters\./);

  const saved = await form(`/admin/links/${link.id}`, { ...typed, title: 'Better title' }, HX);
  assert.equal(saved.statusCode, 200);
  assert.equal(saved.headers['hx-trigger'], 'links-changed');
  assert.deepEqual(rowIds(saved.body), [link.id]);
  assert.match(saved.body, /Better title/);
  const after = await services.links.get({ id: link.id });
  assert.equal(after.title, 'Better title');
  assert.equal(after.commentary, 'Mon commentaire, tapé avec soin');
  assert.equal(after.via, 'Les Cast Codeurs');
  assert.deepEqual(after.tags, ['tsdb', 'postgres']);
  assert.equal(after.categoryId, category.id);

  assert.equal((await owner.get('/admin/links/00000000-0000-4000-8000-000000000000/edit', HX)).statusCode, 404);
});

test('moving links between neighbours and categories changes the order the inbox shows', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);
  const ops = await services.categories.create({ name: 'Ops' });
  const dev = await services.categories.create({ name: 'Dev' });
  const c = await add({ url: 'https://example.org/c', categoryId: ops.id });
  const b = await add({ url: 'https://example.org/b', categoryId: ops.id });
  const a = await add({ url: 'https://example.org/a', categoryId: ops.id });
  const unsorted = await add({ url: 'https://example.org/unsorted' });
  const order = async () => groupRows((await owner.get('/admin/inbox')).body);
  assert.deepEqual(await order(), { none: [unsorted.id], [ops.id]: [a.id, b.id, c.id], [dev.id]: [] }, 'newest first in each group');

  const between = await form(`/admin/links/${c.id}/move`, { beforeId: a.id, afterId: b.id }, HX);
  assert.equal(between.statusCode, 204);
  assert.equal(between.headers['hx-trigger'], 'links-changed');
  assert.deepEqual((await order())[ops.id], [a.id, c.id, b.id]);

  const first = await form(`/admin/links/${b.id}/move`, { afterId: a.id }, HX);
  assert.equal(first.statusCode, 204);
  assert.deepEqual((await order())[ops.id], [b.id, a.id, c.id], 'moved before the first link');

  // Drag "unsorted" into Dev, then "a" below it.
  await form(`/admin/links/${unsorted.id}/move`, { categoryId: dev.id }, HX);
  await form(`/admin/links/${a.id}/move`, { categoryId: dev.id, beforeId: unsorted.id }, HX);
  assert.deepEqual(await order(), { none: [], [ops.id]: [b.id, c.id], [dev.id]: [unsorted.id, a.id] });
  assert.equal((await services.links.get({ id: a.id })).categoryId, dev.id);

  // A category that is no id finds no category: the move is refused, the link stays where it is.
  for (const categoryId of [' ', 'not-a-uuid', '0', `${dev.id}x`]) {
    const refused = await form(`/admin/links/${a.id}/move`, { categoryId }, HX);
    assert.equal(refused.statusCode, 422, JSON.stringify(categoryId));
    assert.match(refused.body, /Unknown category/);
  }
  assert.equal((await services.links.get({ id: a.id })).categoryId, dev.id);

  const back = await form(`/admin/links/${a.id}/move`, { categoryId: '' });
  assert.equal(back.statusCode, 303, 'without htmx the move redirects');
  assert.equal((await services.links.get({ id: a.id })).categoryId, null, 'an empty category is "To sort"');
  assert.deepEqual(await order(), { none: [a.id], [ops.id]: [b.id, c.id], [dev.id]: [unsorted.id] });

  // Moving links again and again into the same gap halves it each time: the order stays exact.
  await form(`/admin/links/${a.id}/move`, { categoryId: ops.id, beforeId: c.id }, HX);
  let [middle, last] = [c.id, a.id];
  for (let round = 0; round < 30; round += 1) {
    await form(`/admin/links/${last}/move`, { beforeId: b.id, afterId: middle }, HX);
    [middle, last] = [last, middle];
  }
  assert.deepEqual((await order())[ops.id], [b.id, middle, last]);
  assert.deepEqual([middle, last], [c.id, a.id]);
  await form(`/admin/links/${a.id}/move`, { categoryId: '' }, HX);

  const unknown = await form(`/admin/links/${a.id}/move`, { categoryId: '00000000-0000-4000-8000-000000000000' }, HX);
  assert.equal(unknown.statusCode, 422);
  assert.equal((await form('/admin/links/00000000-0000-4000-8000-000000000000/move', {}, HX)).statusCode, 404);
});

test('delete then undo: the link leaves the inbox and comes back with its nested items', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);
  const link = await add({ url: 'https://example.org/a', title: 'To delete' });
  const child = await add({ url: 'https://example.org/child', title: 'Nested', parentId: link.id });
  const other = await add({ url: 'https://example.org/b' });

  const deleted = await form(`/admin/links/${link.id}/delete`, {}, HX);
  assert.equal(deleted.statusCode, 200);
  assert.equal(deleted.headers['hx-trigger'], 'links-changed');
  assert.match(deleted.body, /Deleted “To delete”\./);
  assert.ok(deleted.body.includes(`hx-post="/admin/links/${link.id}/restore"`), 'an undo button');
  const between = await owner.get('/admin/inbox');
  assert.deepEqual(rowIds(between.body), [other.id]);
  assert.ok(!between.body.includes(`link-${child.id}`), 'nested items go with their parent');
  await assert.rejects(services.links.get({ id: child.id }));

  const restored = await form(`/admin/links/${link.id}/restore`, {}, HX);
  assert.equal(restored.statusCode, 200);
  assert.equal(restored.headers['hx-trigger'], 'links-changed');
  assert.deepEqual(rowIds(restored.body), [link.id]);
  assert.match(restored.body, /Nested/, 'the restored row shows its nested item');
  const after = await owner.get('/admin/inbox');
  assert.deepEqual(rowIds(after.body).sort(), [link.id, other.id].sort());
  assert.equal((await services.links.get({ id: child.id })).parentId, link.id);

  assert.equal((await form(`/admin/links/${link.id}/restore`, {}, HX)).statusCode, 404, 'a live link cannot be restored');
  const plain = await form(`/admin/links/${other.id}/delete`);
  assert.equal(plain.statusCode, 303);
  assert.match((await owner.get('/admin/inbox')).body, /Deleted “https:\/\/example\.org\/b”\./);
  assert.equal((await form(`/admin/links/${other.id}/delete`, {}, HX)).statusCode, 404, 'deleting twice is a 404');
});

test('bulk actions move, tag and delete the selected links', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);
  const ops = await services.categories.create({ name: 'Ops' });
  const [a, b, c, d] = [
    await add({ url: 'https://example.org/a', tags: ['rust'] }),
    await add({ url: 'https://example.org/b' }),
    await add({ url: 'https://example.org/c' }),
    await add({ url: 'https://example.org/d' }),
  ];

  const moved = await form('/admin/links/bulk', { ids: [a!.id, b!.id], action: 'move', categoryId: ops.id });
  assert.equal(moved.statusCode, 303);
  assert.match((await owner.get('/admin/inbox')).body, /2 links moved\./);
  assert.equal((await services.links.get({ id: a!.id })).categoryId, ops.id);
  assert.equal((await services.links.get({ id: b!.id })).categoryId, ops.id);
  assert.equal((await services.links.get({ id: c!.id })).categoryId, null);

  const tagged = await form('/admin/links/bulk', { ids: [a!.id, c!.id], action: 'tag', tags: 'Rust, #WebAssembly' }, HX);
  assert.equal(tagged.statusCode, 200);
  assert.equal(tagged.headers['hx-trigger'], 'links-changed');
  assert.match(tagged.body, /2 links tagged\./);
  assert.match(tagged.body, /<div id="inbox-list"/, 'the list fragment, to swap in place');
  assert.doesNotMatch(tagged.body, /<html/i);
  assert.deepEqual((await services.links.get({ id: a!.id })).tags, ['rust', 'webassembly'], 'existing tags are kept, each once');
  assert.deepEqual((await services.links.get({ id: c!.id })).tags, ['rust', 'webassembly']);

  const removed = await form('/admin/links/bulk', { ids: [b!.id, d!.id], action: 'delete' }, HX);
  assert.equal(removed.statusCode, 200);
  assert.match(removed.body, /2 links deleted\./);
  assert.deepEqual(rowIds(removed.body).sort(), [a!.id, c!.id].sort());

  const single = await form('/admin/links/bulk', { ids: c!.id, action: 'move', categoryId: ops.id }, HX);
  assert.match(single.body, /1 link moved\./, 'one id alone is a selection too');

  const nothing = await form('/admin/links/bulk', { action: 'delete' }, HX);
  assert.equal(nothing.statusCode, 422);
  assert.match(nothing.body, /Select at least one link first\./);
  const noAction = await form('/admin/links/bulk', { ids: a!.id, action: 'explode' }, HX);
  assert.equal(noAction.statusCode, 422);
  assert.match(noAction.body, /Choose what to do/);
  const badTags = await form('/admin/links/bulk', { ids: a!.id, action: 'tag', tags: '<b>' }, HX);
  assert.equal(badTags.statusCode, 422);
  assert.match(badTags.body, /Tags may contain letters/);
  const noTags = await form('/admin/links/bulk', { ids: a!.id, action: 'tag', tags: ' , ' });
  assert.equal(noTags.statusCode, 422);
  assert.match(noTags.body, /Type at least one tag\./);
  assert.deepEqual((await services.links.get({ id: a!.id })).tags, ['rust', 'webassembly']);
});

test('categories: create, refuse a duplicate name, rename, reorder and archive', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);

  const created = await form('/admin/categories', { name: 'Time Series' });
  assert.equal(created.statusCode, 303);
  assert.match((await owner.get('/admin/categories')).body, /Category “Time Series” created\./);
  await form('/admin/categories', { name: 'Ops' });
  const htmx = await form('/admin/categories', { name: '(No)SQL' }, HX);
  assert.equal(htmx.statusCode, 200);
  assert.match(htmx.body, /<div id="categories"/);
  assert.doesNotMatch(htmx.body, /<html/i);
  const [series, ops, nosql] = await services.categories.list();
  assert.deepEqual([series?.name, ops?.name, nosql?.name], ['Time Series', 'Ops', '(No)SQL']);

  const duplicate = await form('/admin/categories', { name: 'time series' }, HX);
  assert.equal(duplicate.statusCode, 422, 'names are compared without case');
  assert.match(duplicate.body, /&quot;Time Series&quot; exists already\./);
  assert.match(duplicate.body, /name="name" type="text" value="time series"/, 'the name typed is kept');
  const empty = await form('/admin/categories', { name: '' });
  assert.equal(empty.statusCode, 422);
  assert.match(empty.body, /Name is required\./);
  assert.equal((await services.categories.list()).length, 3);

  const renamed = await form(`/admin/categories/${series!.id}`, { name: 'Séries temporelles' });
  assert.equal(renamed.statusCode, 303);
  assert.equal((await services.categories.get({ id: series!.id })).name, 'Séries temporelles');
  const clash = await form(`/admin/categories/${series!.id}`, { name: 'Ops' }, HX);
  assert.equal(clash.statusCode, 422);
  assert.match(clash.body, /&quot;Ops&quot; exists already\./);
  assert.equal((await services.categories.get({ id: series!.id })).name, 'Séries temporelles');

  const reordered = await form('/admin/categories/order', { ids: [nosql!.id, series!.id, ops!.id] }, HX);
  assert.equal(reordered.statusCode, 204);
  assert.deepEqual((await services.categories.list()).map((category) => category.name), ['(No)SQL', 'Séries temporelles', 'Ops']);
  // The inbox shows the categories in that order.
  const inOps = await add({ url: 'https://example.org/ops', categoryId: ops!.id });
  const inNosql = await add({ url: 'https://example.org/nosql', categoryId: nosql!.id });
  const groups = Object.entries(groupRows((await owner.get('/admin/inbox')).body)).filter(([key]) => key !== 'none');
  assert.deepEqual(groups, [[nosql!.id, [inNosql.id]], [series!.id, []], [ops!.id, [inOps.id]]]);
  const partial = await form('/admin/categories/order', { ids: ops!.id });
  assert.equal(partial.statusCode, 303);
  assert.deepEqual((await services.categories.list()).map((category) => category.name), ['Ops', '(No)SQL', 'Séries temporelles'], 'the others keep their relative order');

  const archived = await form(`/admin/categories/${ops!.id}/archive`, { archived: 'true' });
  assert.equal(archived.statusCode, 303);
  assert.deepEqual((await services.categories.list()).map((category) => category.name), ['(No)SQL', 'Séries temporelles']);
  assert.equal((await services.categories.list({ includeArchived: true })).length, 3);
  const page = await owner.get('/admin/categories');
  assert.match(page.body, /<h2>Archived<\/h2>[\s\S]*Ops/);
  assert.equal((await services.links.get({ id: inOps.id })).categoryId, ops!.id, 'its links keep it');
  await form(`/admin/categories/${ops!.id}/archive`, { archived: 'false' });
  assert.equal((await services.categories.list()).length, 3);

  assert.equal((await form('/admin/categories/00000000-0000-4000-8000-000000000000', { name: 'Ghost' }, HX)).statusCode, 404);
  assert.equal((await form('/admin/categories/not-an-id/archive', {}, HX)).statusCode, 404);
});

test('the metadata job fills in title, description and language, reads latin1 pages and keeps a title the editor typed meanwhile', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startPageServer(t, {
    '/fr': {
      body: '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Les séries temporelles</title><meta property="og:description" content="Tout sur les données horodatées"></head><body></body></html>',
    },
    '/latin1': { body: Buffer.from('<html><head><title>Données en latin1</title></head><body>é</body></html>', 'latin1'), type: 'text/html; charset=iso-8859-1' },
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
  const urls = [`http://127.0.0.1:${server.port}/`, `http://localhost:${server.port}/`, `http://2130706433:${server.port}/`, `http://[::ffff:127.0.0.1]:${server.port}/`];
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
const HOSTILE_TITLES = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'><body onload=alert(1)>",
  '</textarea><script>alert(1)</script>',
  '" autofocus onfocus="alert(1)',
  '<a href="javascript:alert(1)">title link</a>',
];
const HOSTILE_COMMENTARIES = [
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](javascript&#58;alert(1))',
  '[click](%20javascript:alert(1))',
  '[click](vbscript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![img](javascript:alert(1))',
  '![img](x" onerror="alert(1))',
  '<a href="javascript:alert(1)">raw link</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<div onmouseover="alert(1)">hover</div>',
  '<scr<script>ipt>alert(1)</script>',
  '<img src="x" onerror="alert(1)"',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<script>alert(1)</script>\n\nSecond paragraph with [a link](javascript:alert(1)) and <b onclick=alert(1)>bold</b>',
  '```"><img src=x onerror=alert(1)>\ncode\n```',
  '<details open ontoggle=alert(1)>',
  '[x](https://example.org/" onclick="alert(1))',
];
const HOSTILE_VIAS = ['<script>alert(1)</script>', '" onmouseover="alert(1)', '<img src=x onerror=alert(1)>'];
const HOSTILE_URLS = ['https://example.org/?q="><script>alert(1)</script>', "https://example.org/#'><img src=x onerror=alert(1)>", 'https://example.org/"onmouseover="alert(1)'];

/** What would run in a browser: inline scripts, event handler attributes, script URLs, embedded documents. */
function activeContent(html: string): string[] {
  const problems: string[] = [];
  let inScript = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'script') {
          inScript = true;
          if (!attributes.src?.startsWith('/static/')) problems.push(`<script src="${attributes.src ?? ''}">`);
        }
        if (['iframe', 'object', 'embed', 'svg', 'math', 'base', 'style', 'frame'].includes(name)) problems.push(`<${name}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (/^on|^hx-on/i.test(attribute)) problems.push(`<${name} ${attribute}="${value}">`);
          // Browsers ignore control characters and spaces around a scheme.
          // eslint-disable-next-line no-control-regex
          const compact = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
          if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(attribute) && /^(javascript|vbscript|data):/.test(compact)) {
            problems.push(`<${name} ${attribute}="${value}">`);
          }
        }
      },
      ontext(text) {
        if (inScript && text.trim() !== '') problems.push(`inline script: ${text.slice(0, 60)}`);
      },
      onclosetag(name) {
        if (name === 'script') inScript = false;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return problems;
}

function assertInert(html: string, where: string): void {
  assert.doesNotMatch(html, /<script>alert/i, `${where}: a script tag from editor text`);
  // Inside a real tag: the same characters in escaped text ("&lt;a href=...") are harmless.
  assert.doesNotMatch(html, /<[a-z][^<>]*\shref\s*=\s*["']?\s*javascript:/i, `${where}: a javascript: link`);
  assert.deepEqual(activeContent(html), [], `${where}: active content`);
}

test('XSS: hostile titles, commentary, via, tags and URLs are shown as text on the inbox, in search results and in the edit form', async (t) => {
  const { app, owner, form, services, user } = await buildInbox(t);
  const { token } = await services.auth.createApiToken({ userId: user.id, name: 'test' });
  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/v1/links', headers: { authorization: `Bearer ${token}` }, payload });

  const ids: string[] = [];
  const count = Math.max(HOSTILE_TITLES.length, HOSTILE_COMMENTARIES.length);
  for (let index = 0; index < count; index += 1) {
    const response = await post({
      url: HOSTILE_URLS[index % HOSTILE_URLS.length]!.replace('example.org', `example${index}.org`),
      title: HOSTILE_TITLES[index % HOSTILE_TITLES.length],
      commentary: HOSTILE_COMMENTARIES[index],
      via: HOSTILE_VIAS[index % HOSTILE_VIAS.length],
      tags: ['xss', 'c++', 'c#'],
      category: index === 0 ? '<script>alert(1)</script> & "co"' : undefined,
    });
    assert.equal(response.statusCode, 201, response.body);
    ids.push(response.json<{ id: string }>().id);
  }
  // A nested item and a failed fetch show their text in other places of the row.
  const child = await post({ url: 'https://example.org/child', title: '<img src=x onerror=alert(1)>', commentary: '[c](javascript:alert(1))', parentId: ids[1] });
  assert.equal(child.statusCode, 201, child.body);
  for (const tags of [['<script>'], ['a"b'], ['x onmouseover=alert(1)']]) {
    const refused = await post({ url: 'https://example.org/tags', tags });
    assert.equal(refused.statusCode, 422, `tags ${JSON.stringify(tags)} are refused`);
  }

  const inbox = await owner.get('/admin/inbox');
  assert.equal(inbox.statusCode, 200);
  assertInert(inbox.body, 'inbox');
  assert.deepEqual(rowIds(inbox.body).sort(), [...ids].sort());
  assert.ok(inbox.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the title is shown, escaped');
  assert.ok(inbox.body.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(inbox.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;'), 'the category name is escaped');
  assert.match(inbox.body, /via &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.ok(inbox.body.includes('href="/admin/inbox?tag=c%2B%2B&amp;status=all"') || inbox.body.includes('href="/admin/inbox?tag=c%2B%2B&status=all"'), 'tags are encoded in links');

  for (const query of ['alert', 'click', 'script', 'xss', encodeURIComponent('<script>alert(1)</script>'), encodeURIComponent('"><svg onload=alert(1)>')]) {
    const results = await owner.get(`/admin/inbox?q=${query}&status=all`);
    assert.equal(results.statusCode, 200, query);
    assertInert(results.body, `search for ${decodeURIComponent(query)}`);
    const fragment = await owner.get(`/admin/inbox?q=${query}`, { ...HX, 'hx-target': 'inbox-list' });
    assertInert(fragment.body, `search fragment for ${decodeURIComponent(query)}`);
  }
  const highlighted = await owner.get('/admin/inbox?q=alert');
  assert.ok(rowIds(highlighted.body).length >= 10, 'the search finds the hostile links');
  assert.match(highlighted.body, /<mark>alert<\/mark>/, 'matches are highlighted, and only with <mark>');

  for (const id of ids) {
    const editForm = await owner.get(`/admin/links/${id}/edit`, HX);
    assert.equal(editForm.statusCode, 200);
    assertInert(editForm.body, `edit form of ${id}`);
    const page = await owner.get(`/admin/links/${id}/edit`);
    assertInert(page.body, `edit page of ${id}`);
    const row = await owner.get(`/admin/links/${id}/row`, HX);
    assertInert(row.body, `row of ${id}`);
  }
  const editTextarea = await owner.get(`/admin/links/${ids[4]}/edit`, HX);
  assert.ok(editTextarea.body.includes('value="&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'), 'the title sits escaped in its input');

  // The edit form given back after a refusal echoes what was posted: still escaped.
  const refused = await form(`/admin/links/${ids[0]}`, { title: 'x'.repeat(1200), commentary: '</textarea><script>alert(1)</script>', via: '"><img src=x onerror=alert(1)>' }, HX);
  assert.equal(refused.statusCode, 422);
  assertInert(refused.body, 'refused edit form');

  // The capture popup shows what a hostile page's title and selection hold.
  const popup = await owner.get(`/admin/links/new?popup=1&url=${encodeURIComponent(HOSTILE_URLS[0]!)}&title=${encodeURIComponent(HOSTILE_TITLES[2]!)}&text=${encodeURIComponent(HOSTILE_COMMENTARIES[9]!)}`);
  assert.equal(popup.statusCode, 200);
  assertInert(popup.body, 'capture popup');
  const preview = await form('/admin/links/preview', { commentary: HOSTILE_COMMENTARIES.join('\n') }, HX);
  assert.equal(preview.statusCode, 200);
  assertInert(preview.body, 'Markdown preview');
  const inline = await form('/admin/links/preview', { commentary: '[x](javascript:alert(1)) <img src=x onerror=alert(1)>' }, HX);
  assertInert(inline.body, 'inline Markdown preview');
});

/** Runs the capture page's bookmarklet as a browser would on another site's page, and returns the address it opens. */
function bookmarkletOpens(capturePage: string): string {
  const href = decodeHTML(/<a [^>]*href="(javascript:[^"]*)"[^>]*data-bookmarklet/.exec(capturePage)![1]!);
  // A browser percent-decodes a javascript: URL before running it.
  const code = decodeURIComponent(href.slice('javascript:'.length));
  let opened = '';
  const window = { getSelection: () => 'Selected text', open: (url: string) => (opened = url) };
  runInNewContext(code, { window, document: { title: 'A page' }, location: { href: 'https://elsewhere.example/post' }, encodeURIComponent, String });
  return opened;
}

test('the bookmarklet opens PUBLIC_URL, whatever Host the capture page was asked with', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const page = await owner.get('/admin/capture', { host: 'evil.example' });
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /evil\.example/);
  assert.equal(bookmarkletOpens(page.body), `http://veille.test/admin/links/new?popup=1&url=${encodeURIComponent('https://elsewhere.example/post')}&title=A%20page&text=Selected%20text`);

  // A PUBLIC_URL with quotes and percent signs stays one string.
  const odd = await buildTestApp(t, { env: { PUBLIC_URL: "https://news.example.org/o'hara%22x" } });
  const oddOwner = await setUpOwner(odd.app);
  const oddPage = await oddOwner.get('/admin/capture');
  assert.ok(bookmarkletOpens(oddPage.body).startsWith("https://news.example.org/o'hara%22x/admin/links/new?popup=1&url="));
});
