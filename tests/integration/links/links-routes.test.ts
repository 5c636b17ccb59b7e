import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInbox, groupRows, HX, quickAdd, rowIds } from '../../helpers/inbox.ts';
import { FIRST_ROWS, RESULTS_PAGE } from '../../../apps/web/view-models/inbox-view.ts';

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
  assert.match(response.body, /Added “example\.org\/article”/);
  assert.match(response.body, /Fetching title…/);

  const second = await quickAdd(form, 'https://example.org/second');
  assert.deepEqual(
    groupRows((await owner.get('/admin/inbox')).body).none,
    [second, link!.id],
    'the newest link is first in "To sort", where the row was inserted',
  );

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
  const french = await add({
    url: 'https://example.org/fr',
    title: 'Séries temporelles',
    commentary: 'Les données de capteurs',
    categoryId: ops.id,
    tags: ['tsdb'],
  });
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
  assert.match(editForm.body, />Original commentary<\/textarea>/);
  assert.doesNotMatch(editForm.body, /name="title"/, 'a click on the commentary edits the commentary only, in its row');
  assert.deepEqual(rowIds(editForm.body), [link.id]);
  const fullForm = await owner.get(`/admin/links/${link.id}/edit`, HX);
  assert.match(fullForm.body, /name="title" type="text" value="Original title"/, 'Edit (or More) opens every field');
  const page = await owner.get(`/admin/links/${link.id}/edit`);
  assert.match(page.body, /<html/i, 'without htmx the same form is a full page');

  const typed = {
    title: 'x'.repeat(10_000),
    commentary: 'Mon commentaire, tapé avec soin',
    via: 'Les Cast Codeurs',
    tags: 'tsdb, postgres',
    categoryId: category.id,
  };
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

test('the capture popup offers the link already saved, edits it in the popup, and keeps a refused edit', async (t) => {
  const { owner, form, add, services } = await buildInbox(t);
  const saved = await add({ url: 'https://example.org/keep', title: 'A link to keep', commentary: 'Utile.' });

  const popup = await owner.get(
    `/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/keep?utm_source=x')}&text=${encodeURIComponent('Cité.')}`,
  );
  assert.equal(popup.statusCode, 200);
  assert.ok(popup.body.includes(`href="/admin/links/${saved.id}/edit?popup=1"`), 'the popup offers to open the saved link');
  assert.match(popup.body, />Save a second copy</, 'and still lets the editor save another');
  assert.match(popup.body, />&gt; Cité\.<\/textarea>/, 'the selection is a quotation');

  const edit = await owner.get(`/admin/links/${saved.id}/edit?popup=1`);
  assert.equal(edit.statusCode, 200);
  assert.match(edit.body, /name="popup" value="1"/);
  assert.doesNotMatch(edit.body, /class="admin-header"/, 'in the popup layout');

  const refused = await form(`/admin/links/${saved.id}`, { popup: '1', title: 'x'.repeat(1001), commentary: 'Typed with care' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /Title must be at most 1000 characters\./);
  assert.match(refused.body, />Typed with care<\/textarea>/);
  assert.match(refused.body, /name="popup" value="1"/, 'the popup stays a popup');

  const done = await form(`/admin/links/${saved.id}`, { popup: '1', title: 'A link to keep', commentary: 'Utile, et cité.' });
  assert.equal(done.statusCode, 200);
  assert.match(done.body, /<h1>Saved<\/h1>/);
  assert.equal((await services.links.get({ id: saved.id })).commentary, 'Utile, et cité.');
  assert.equal((await services.links.list({ status: 'all' })).links.length, 1);
});

test('the inbox draws its first rows with the page and the others of a group on demand', async (t) => {
  const { owner, add, services } = await buildInbox(t);
  const ops = await services.categories.create({ name: 'Ops' });
  const toSort: string[] = [];
  for (let index = 0; index < FIRST_ROWS + 5; index++) toSort.push((await add({ url: `https://example.org/${index}`, title: `Link ${index}` })).id);
  const filed = await add({ url: 'https://example.org/ops', title: 'Filed', categoryId: ops.id });

  const page = await owner.get('/admin/inbox');
  assert.equal(rowIds(page.body).length, FIRST_ROWS, 'a screenful and a half of rows');
  assert.match(page.body, /Show the other 5 links/);
  assert.match(page.body, /Show the other 1 link</, 'a group past the budget still shows, with its button');
  assert.ok(!page.body.includes('class="empty-group"><span id="group-title-' + ops.id), 'and is not listed as empty');

  const rest = await owner.get(`/admin/inbox/rows?category=none&offset=${FIRST_ROWS}`, HX);
  assert.equal(rest.statusCode, 200);
  assert.equal(rowIds(rest.body).length, 5);
  assert.deepEqual(new Set([...rowIds(page.body), ...rowIds(rest.body)]), new Set(toSort), 'every link once');
  assert.deepEqual(rowIds((await owner.get(`/admin/inbox/rows?category=${ops.id}&offset=0`, HX)).body), [filed.id]);
  assert.deepEqual(rowIds((await owner.get('/admin/inbox/rows?category=nothing&offset=0', HX)).body), []);
  assert.equal((await owner.get('/admin/inbox/rows?category=none&offset=-1', HX)).statusCode, 400);
});

test('search results come a page at a time, the next ones on demand, each link once', async (t) => {
  const { owner, add } = await buildInbox(t);
  const created = new Set<string>();
  for (let index = 0; index < RESULTS_PAGE + 3; index++) created.add((await add({ url: `https://example.org/${index}`, title: `Serveur ${index}` })).id);

  const first = await owner.get('/admin/inbox?q=serv', { ...HX, 'hx-target': 'inbox-list' });
  assert.equal(rowIds(first.body).length, RESULTS_PAGE);
  assert.match(first.body, new RegExp(`The first ${RESULTS_PAGE} links found, best first; more below\\.`));
  const more = /hx-get="([^"]+)" hx-target="#more-results"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(more, 'a button brings the next results');
  const next = await owner.get(more, { ...HX, 'hx-target': 'more-results' });
  assert.equal(next.statusCode, 200);
  assert.doesNotMatch(next.body, /results-summary|<html/, 'only the rows, in place of the button');
  assert.equal(rowIds(next.body).length, 3);
  assert.doesNotMatch(next.body, /more-results/, 'the last page has no button');
  assert.deepEqual(new Set([...rowIds(first.body), ...rowIds(next.body)]), created);
  assert.equal((await owner.get('/admin/inbox?q=serv&cursor=garbage')).statusCode, 422);
});
