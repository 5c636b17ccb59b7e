import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInbox, groupRows, HX } from '../../helpers/inbox.ts';

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
  assert.ok(
    clash.body.includes(`id="category-${series!.id}" name="name" type="text" maxlength="100" value="Ops" aria-invalid="true"`),
    'the name typed is kept in its row',
  );
  assert.ok(clash.body.includes(`id="category-${ops!.id}" name="name" type="text" maxlength="100" value="Ops">`), 'the other rows are as they were');
  const accents = await form('/admin/categories', { name: 'SERIES TEMPORELLES' }, HX);
  assert.equal(accents.statusCode, 422, 'names are compared without accents either');
  assert.equal((await services.categories.get({ id: series!.id })).name, 'Séries temporelles');

  const reordered = await form('/admin/categories/order', { ids: [nosql!.id, series!.id, ops!.id] }, HX);
  assert.equal(reordered.statusCode, 204);
  assert.deepEqual(
    (await services.categories.list()).map((category) => category.name),
    ['(No)SQL', 'Séries temporelles', 'Ops'],
  );
  // The inbox shows the categories in that order, the empty ones after them on one line.
  const inOps = await add({ url: 'https://example.org/ops', categoryId: ops!.id });
  const inNosql = await add({ url: 'https://example.org/nosql', categoryId: nosql!.id });
  const groups = Object.entries(groupRows((await owner.get('/admin/inbox')).body)).filter(([key]) => key !== 'none');
  assert.deepEqual(groups, [
    [nosql!.id, [inNosql.id]],
    [ops!.id, [inOps.id]],
    [series!.id, []],
  ]);
  const partial = await form('/admin/categories/order', { ids: ops!.id });
  assert.equal(partial.statusCode, 303);
  assert.deepEqual(
    (await services.categories.list()).map((category) => category.name),
    ['Ops', '(No)SQL', 'Séries temporelles'],
    'the others keep their relative order',
  );

  const archived = await form(`/admin/categories/${ops!.id}/archive`, { archived: 'true' });
  assert.equal(archived.statusCode, 303);
  assert.deepEqual(
    (await services.categories.list()).map((category) => category.name),
    ['(No)SQL', 'Séries temporelles'],
  );
  assert.equal((await services.categories.list({ includeArchived: true })).length, 3);
  const page = await owner.get('/admin/categories');
  assert.match(page.body, /<h2>Archived<\/h2>[\s\S]*Ops/);
  assert.equal((await services.links.get({ id: inOps.id })).categoryId, ops!.id, 'its links keep it');
  await form(`/admin/categories/${ops!.id}/archive`, { archived: 'false' });
  assert.equal((await services.categories.list()).length, 3);

  assert.equal((await form('/admin/categories/00000000-0000-4000-8000-000000000000', { name: 'Ghost' }, HX)).statusCode, 404);
  assert.equal((await form('/admin/categories/not-an-id/archive', {}, HX)).statusCode, 404);
});
