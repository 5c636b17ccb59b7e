import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockKey } from '../../../apps/domain/editions/edition-blocks.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

test('a text save running while the sections are rearranged merges into the new order instead of writing the old one back', async (t) => {
  const { app, services, database } = await buildTestApp(t);
  await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const ids: string[] = [];
  for (const name of ['Ops', 'Data']) {
    const category = await services.categories.create({ name });
    ids.push((await services.links.add({ actor: owner!, input: { url: `https://links.example/${name}`, title: name, categoryId: category.id } })).link.id);
  }
  await services.editions.put({
    period: '2024-06',
    input: {
      title: 'Juin',
      sections: [
        { category: 'Ops', links: [ids[0]] },
        { category: 'Data', links: [ids[1]] },
      ],
    },
  });
  const row = await services.editions.find({ period: '2024-06' });
  const [ops, data] = row.blocks;
  assert.ok(ops && data);

  // Another request rearranges the sections and holds the edition until it commits; the editor's
  // autosave (its texts, the blocks in the order its page showed) comes in meanwhile.
  const other = await database.pool.connect();
  let saving: Promise<unknown>;
  try {
    await other.query('BEGIN');
    await other.query('SELECT id FROM editions WHERE id = $1 FOR UPDATE', [row.id]);
    await other.query('UPDATE editions SET blocks = $1 WHERE id = $2', [JSON.stringify([data, ops]), row.id]);
    saving = services.editions.update({
      period: '2024-06',
      input: {
        version: row.version,
        title: 'Juin',
        blocks: [
          { ...ops, intro: 'Vu à la conférence.' },
          { ...data, intro: '' },
        ],
      },
    });
    let outcome: unknown = 'waiting';
    void saving.then(
      () => (outcome = 'saved'),
      (error: unknown) => (outcome = error),
    );
    // The save waits for the edition (no timing: the database says when it is waiting).
    while (outcome === 'waiting') {
      const waiting = await database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      if (waiting.rowCount) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(outcome, 'waiting', 'the save waited for the rearrangement');
    await other.query('COMMIT');
  } finally {
    other.release();
  }
  await saving;

  const saved = await services.editions.find({ period: '2024-06' });
  assert.deepEqual(saved.blocks.map(blockKey), [data, ops].map(blockKey), 'the new order stays');
  const savedOps = saved.blocks[1];
  assert.equal(savedOps?.kind === 'category' ? savedOps.intro : undefined, 'Vu à la conférence.', 'with the text typed');
});
