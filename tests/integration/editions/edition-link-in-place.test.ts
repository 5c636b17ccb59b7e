// A link of an edition edited inside the editor: its form comes as a fragment in place of its row,
// saving redraws the sections with the link in its place, and a refused value comes back with what
// was typed, without leaving the edition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

const HTMX = { 'hx-request': 'true' };

test('a link is edited in the editor as a fragment, saved in place, and a refused value keeps what was typed', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const ops = await services.categories.create({ name: 'Ops' });
  const link = (await services.links.add({ actor: owner!, input: { url: 'https://example.org/a', title: 'Premier', commentary: 'Un.', categoryId: ops.id } }))
    .link;
  await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.addLinks({ id: '2024-06', linkIds: [link.id] });

  // The form, as a fragment that takes the row's place and posts back into the edition.
  const form = await client.get(`/admin/editions/2024-06/links/${link.id}/edit`, HTMX);
  assert.equal(form.statusCode, 200);
  assert.doesNotMatch(form.body, /<html/, 'a fragment, not a page');
  assert.match(form.body, new RegExp(`<li class="link-row editing" id="link-${link.id}"`));
  assert.match(form.body, new RegExp(`hx-post="/admin/editions/2024-06/links/${link.id}"`));
  assert.match(form.body, /value="Premier"/);

  // Saved: the sections are drawn again, the link renamed where it stood.
  const saved = await client.postForm(
    `/admin/editions/2024-06/links/${link.id}`,
    { url: 'https://example.org/a', title: 'Premier, renommé', commentary: 'Un, revu.' },
    HTMX,
  );
  assert.equal(saved.statusCode, 200, saved.body.slice(0, 300));
  assert.equal(saved.headers['hx-retarget'], '#edition-sections');
  assert.match(saved.body, /Premier, renommé/);
  const doc = await services.editions.document({ edition: await services.editions.find({ period: '2024-06' }) });
  assert.deepEqual(
    categoryBlocks(doc).flatMap((block) => block.links.map((item) => [item.title, item.commentary])),
    [['Premier, renommé', 'Un, revu.']],
  );

  // A refused URL: 422, the form again with what was typed, nothing saved.
  const refused = await client.postForm(`/admin/editions/2024-06/links/${link.id}`, { url: 'javascript:alert(1)', title: 'Titre tapé' }, HTMX);
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /value="Titre tapé"/);
  assert.match(refused.body, new RegExp(`hx-post="/admin/editions/2024-06/links/${link.id}"`));
  assert.equal((await services.links.get({ id: link.id })).title, 'Premier, renommé');

  // Without htmx the save lands back on the editor.
  const plain = await client.postForm(`/admin/editions/2024-06/links/${link.id}`, { url: 'https://example.org/a', title: 'Premier' });
  assert.equal(plain.statusCode, 303);
  assert.equal(plain.headers.location, '/admin/editions/2024-06');
});
