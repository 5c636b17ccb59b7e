import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';

/** A parent in the inbox with two nested items, two categories, and a draft edition. */
async function tree(t: TestContext) {
  const built = await buildTestApp(t);
  await setUpOwner(built.app);
  const { services } = built;
  const [owner] = await services.accounts.listUsers();
  const [ops, dev] = [await services.categories.create({ name: 'Ops' }), await services.categories.create({ name: 'Dev' })];
  const add = async (input: Record<string, unknown>) => (await services.links.add({ actor: owner!, input })).link;
  const parent = await add({ url: 'https://example.org/parent', title: 'Parent', categoryId: ops.id });
  const children = [
    await add({ url: 'https://example.org/child-1', parentId: parent.id }),
    await add({ url: 'https://example.org/child-2', parentId: parent.id }),
  ];
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  /** Where the parent and its nested items are: [edition, category, parent] of each. */
  const places = async () =>
    Promise.all(
      [parent, ...children].map(async (link) => {
        const found = await services.links.get({ id: link.id });
        return [found.editionId, found.categoryId, found.parentId];
      }),
    );
  return { ...built, add, parent, children, ops, dev, draft, places };
}

test('nested links follow their parent: moved, filed into another category, added to an edition, sent back to the inbox', async (t) => {
  const { services, add, parent, children, ops, dev, draft, places } = await tree(t);
  const { links, editions } = services;
  assert.deepEqual(await places(), [
    [null, ops.id, null],
    [null, ops.id, parent.id],
    [null, ops.id, parent.id],
  ]);

  // Filed into another category by the edit form or the API.
  await links.update({ id: parent.id, input: { categoryId: dev.id } });
  assert.deepEqual(await places(), [
    [null, dev.id, null],
    [null, dev.id, parent.id],
    [null, dev.id, parent.id],
  ]);

  // Dragged into another category, between two of its links.
  const [a, b] = [await add({ url: 'https://example.org/a', categoryId: ops.id }), await add({ url: 'https://example.org/b', categoryId: ops.id })];
  await links.move({ id: parent.id, categoryId: ops.id, beforeId: b.id, afterId: a.id });
  assert.deepEqual(await places(), [
    [null, ops.id, null],
    [null, ops.id, parent.id],
    [null, ops.id, parent.id],
  ]);
  const moved = await links.get({ id: parent.id });
  assert.ok(moved.position > b.position && moved.position < a.position, 'between its new neighbours');

  // Into the edition, at the end of its category; a nested item alone is not added.
  assert.equal(await editions.addLinks({ id: draft.id, linkIds: [children[0]!.id, parent.id] }), 1);
  assert.deepEqual(await places(), [
    [draft.id, ops.id, null],
    [draft.id, ops.id, parent.id],
    [draft.id, ops.id, parent.id],
  ]);
  const doc = await editions.document({ edition: await editions.find({ id: draft.id }) });
  assert.deepEqual(
    categoryBlocks(doc).map((section) => section.links.map((link) => [link.id, link.children.map((child) => child.id)])),
    [[[parent.id, children.map((child) => child.id)]]],
  );

  // A nested item sent back alone leaves its parent for the inbox.
  await editions.removeLink({ id: draft.id, linkId: children[1]!.id });
  assert.deepEqual((await places())[2], [null, ops.id, null]);

  // Back to the inbox, first of its category, with what is still nested under it.
  await editions.removeLink({ id: draft.id, linkId: parent.id });
  assert.deepEqual((await places()).slice(0, 2), [
    [null, ops.id, null],
    [null, ops.id, parent.id],
  ]);
  const inbox = await links.inbox();
  assert.equal(inbox.groups.find((group) => group.category?.id === ops.id)?.links[0]?.id, parent.id);
});

test("a link nested under another takes its parent's place; one level of nesting only", async (t) => {
  const { services, add, parent, children, dev, draft, places } = await tree(t);
  const { links, editions } = services;
  await editions.addLinks({ id: draft.id, linkIds: [parent.id] });
  const loose = await add({ url: 'https://example.org/loose', categoryId: dev.id });
  await links.update({ id: loose.id, input: { parentId: parent.id } });
  const nested = await links.get({ id: loose.id });
  assert.deepEqual([nested.editionId, nested.categoryId, nested.parentId], (await places())[1], 'in the edition and category of its parent');
  assert.ok(nested.position > (await links.get({ id: children[1]!.id })).position, 'after the other nested items');

  // A nested item's category is its parent's, whatever the form says.
  await links.update({ id: loose.id, input: { categoryId: dev.id } });
  assert.equal((await links.get({ id: loose.id })).categoryId, (await places())[0]![1]);

  const other = await add({ url: 'https://example.org/other' });
  await assert.rejects(
    links.update({ id: parent.id, input: { parentId: other.id } }),
    (error: unknown) => error instanceof ValidationError && /nested items of its own/.test(error.fields.parentId ?? ''),
  );
  await assert.rejects(links.relocate({ id: other.id, to: { parentId: loose.id } }), ValidationError, 'the parent must exist and be top-level');

  // Un-nested, it stays where it was, at the end of its category.
  await links.update({ id: loose.id, input: { parentId: null } });
  const unnested = await links.get({ id: loose.id });
  assert.deepEqual([unnested.editionId, unnested.categoryId, unnested.parentId], [draft.id, (await places())[0]![1], null]);
});

test('an edition written through the API takes its links with their nested items, and gives back those it no longer lists', async (t) => {
  const { services, add, parent, ops, places } = await tree(t);
  const other = await add({ url: 'https://example.org/other', categoryId: ops.id });
  await services.editions.put({ period: '2024-06', input: { sections: [{ category: 'opérations', links: [parent.id, other.id] }] } });
  const draft = await services.editions.find({ period: '2024-06' });
  const [section] = categoryBlocks(await services.editions.document({ edition: draft }));
  assert.deepEqual(
    [section?.name, section?.links.map((link) => [link.id, link.children.length])],
    [
      'opérations',
      [
        [parent.id, 2],
        [other.id, 0],
      ],
    ],
  );
  assert.deepEqual(
    (await places()).map(([editionId, categoryId]) => [editionId, categoryId]),
    Array(3).fill([draft.id, section!.categoryId]),
  );

  await services.editions.put({ period: '2024-06', input: { sections: [{ category: 'OPERATIONS', links: [other.id] }] } });
  assert.deepEqual(
    (await places()).map(([editionId, , parentId]) => [editionId, parentId]),
    [
      [null, null],
      [null, parent.id],
      [null, parent.id],
    ],
    'back to the inbox, still nested',
  );
  assert.equal((await services.categories.list()).filter((category) => category.nameKey === 'operations').length, 1, 'one category for both spellings');
});
