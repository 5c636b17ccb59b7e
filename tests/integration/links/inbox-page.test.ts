import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInbox, groupRows, HX, rowIds } from '../../helpers/inbox.ts';
import { FIRST_ROWS } from '../../../apps/web/view-models/inbox-view.ts';

test('the page reads only the rows it draws: "To sort" first, with the links of archived categories, then each category', async (t) => {
  const { owner, add, services } = await buildInbox(t);
  const ops = await services.categories.create({ name: 'Ops' });
  const old = await services.categories.create({ name: 'Old' });
  const web = await services.categories.create({ name: 'Web' });
  const filed: string[] = [];
  for (let index = 0; index < FIRST_ROWS - 2; index++) filed.push((await add({ url: `https://example.org/ops/${index}`, categoryId: ops.id })).id);
  const onWeb = await add({ url: 'https://example.org/web', categoryId: web.id });
  const archived = await add({ url: 'https://example.org/old', categoryId: old.id });
  await services.categories.archive({ id: old.id, archived: true });
  const loose = [(await add({ url: 'https://example.org/loose/1' })).id, (await add({ url: 'https://example.org/loose/2' })).id];

  // A link added to a category goes to its top.
  const opsOrder = [...filed].reverse();
  const page = await owner.get('/admin/inbox');
  const groups = groupRows(page.body);
  assert.deepEqual(new Set(groups.none), new Set([archived.id, ...loose]), 'an archived category files its links under "To sort"');
  assert.deepEqual(groups[ops.id], opsOrder.slice(0, FIRST_ROWS - 3), 'then the categories in order, until the budget is spent');
  assert.deepEqual(groups[web.id], [], 'a group past the budget is drawn empty...');
  assert.match(page.body, /Show the other 1 link<[\s\S]*Show the other 1 link</, '...with its button, as is the rest of the one the budget cut');
  assert.equal(rowIds(page.body).length, FIRST_ROWS);
  assert.deepEqual(rowIds((await owner.get(`/admin/inbox/rows?category=${web.id}&offset=0`, HX)).body), [onWeb.id]);
  assert.deepEqual(rowIds((await owner.get(`/admin/inbox/rows?category=${ops.id}&offset=${FIRST_ROWS - 3}`, HX)).body), opsOrder.slice(FIRST_ROWS - 3));
});
