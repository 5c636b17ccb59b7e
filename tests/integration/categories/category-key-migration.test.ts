import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');
const KEY_MIGRATION = '_category_key_and_search_column';
// Editions kept their section order in `category_order` until this one turned it into blocks.
const BLOCKS_MIGRATION = '_edition_blocks';

/** An empty database of this test's own on the test server, dropped at the end. */
async function emptyDatabase(t: TestContext): Promise<pg.Client> {
  const serverUrl = process.env.VEILLE_TEST_SERVER_URL;
  if (!serverUrl) throw new Error('run the tests with `npm test`, which prepares the test database server');
  const name = `veille_migration_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  t.after(async () => {
    await client.end();
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${cleanup.escapeIdentifier(name)} WITH (FORCE)`);
    await cleanup.end();
  });
  return client;
}

/**
 * Applies the migration files, statement by statement, as the migrator does: those from the one
 * whose tag ends with `from` (the first when absent) up to, not including, the one whose tag ends
 * with `until` (to the last when absent). Tags are matched by their end so that renumbering the
 * migrations keeps the test meaningful.
 */
async function migrate(client: pg.Client, part: { from?: string; until?: string }): Promise<void> {
  const journal = JSON.parse(await readFile(path.join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const indexOf = (suffix: string) => {
    const at = journal.entries.findIndex((entry) => entry.tag.endsWith(suffix));
    assert.ok(at > 0, `the migration ${suffix} is in the journal`);
    return at;
  };
  const start = part.from === undefined ? 0 : indexOf(part.from);
  const end = part.until === undefined ? journal.entries.length : indexOf(part.until);
  for (const { tag } of journal.entries.slice(start, end)) {
    for (const statement of (await readFile(path.join(MIGRATIONS, `${tag}.sql`), 'utf8')).split('--> statement-breakpoint')) {
      if (statement.trim()) await client.query(statement);
    }
  }
}

test('categories that are one under the new key are merged by the migration: links and section orders follow the first, which stays active', async (t) => {
  const client = await emptyDatabase(t);
  await migrate(client, { until: KEY_MIGRATION });
  const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
  // Three spellings of one category under lower(name) only; the first on the page is archived.
  await client.query(`INSERT INTO categories (id, name, position, archived_at) VALUES
    ('${id(1)}', 'Données', 1, now()), ('${id(2)}', 'donnees', 2, NULL), ('${id(3)}', 'DONNÉES ', 3, NULL), ('${id(4)}', 'Ops', 4, NULL)`);
  await client.query(`INSERT INTO editions (id, period, title, slug, category_order) VALUES
    ('${id(5)}', '2024-06', 'Juin', 'juin', '{${id(4)},${id(2)},${id(1)},${id(3)}}'), ('${id(6)}', '2024-07', 'Juillet', 'juillet', '{${id(4)}}')`);
  await client.query(`INSERT INTO links (url, normalized_url, title, category_id, edition_id, position) VALUES
    ('https://a.example/', 'https://a.example', 'Séries temporelles', '${id(2)}', '${id(5)}', 1),
    ('https://b.example/', 'https://b.example', 'B', '${id(3)}', NULL, 1),
    ('https://c.example/', 'https://c.example', 'C', '${id(4)}', NULL, 2)`);

  // Up to the shape of the time, to see what the key migration did to the section orders.
  await migrate(client, { from: KEY_MIGRATION, until: BLOCKS_MIGRATION });

  const categories = await client.query('SELECT id, name, name_key, archived_at FROM categories ORDER BY position');
  assert.deepEqual(
    categories.rows.map((row) => [row.id, row.name, row.name_key, row.archived_at === null]),
    [
      [id(1), 'Données', 'donnees', true],
      [id(4), 'Ops', 'ops', true],
    ],
    'the first one is kept, active since the others were',
  );
  const links = await client.query('SELECT url, category_id FROM links ORDER BY url');
  assert.deepEqual(
    links.rows.map((row) => row.category_id),
    [id(1), id(1), id(4)],
    'their links moved to it',
  );
  const editions = await client.query('SELECT period, category_order FROM editions ORDER BY period');
  assert.deepEqual(
    editions.rows.map((row) => [row.period, row.category_order]),
    [
      ['2024-06', [id(4), id(1)]],
      ['2024-07', [id(4)]],
    ],
    'each section once, in the place of the first of them',
  );
  // Then the rest: the merged order becomes the editions' blocks, unchanged.
  await migrate(client, { from: BLOCKS_MIGRATION });
  const blocks = await client.query('SELECT period, blocks FROM editions ORDER BY period');
  assert.deepEqual(
    blocks.rows.map((row) => [
      row.period,
      (row.blocks as Array<{ categoryId: string; keepEmpty: boolean }>).map((block) => [block.categoryId, block.keepEmpty]),
    ]),
    [
      [
        '2024-06',
        [
          [id(4), true],
          [id(1), false],
        ],
      ],
      ['2024-07', [[id(4), true]]],
    ],
    'the blocks follow the merged order; a listed section without links stays on purpose',
  );
  await assert.rejects(client.query(`INSERT INTO categories (name, position) VALUES ('données', 9)`), /categories_name_key/, 'the key is unique from now on');

  // The search vector is a generated column now: it follows the text it is made of.
  const generated = await client.query(`SELECT attgenerated FROM pg_attribute WHERE attrelid = 'links'::regclass AND attname = 'search'`);
  assert.equal(generated.rows[0]?.attgenerated, 's');
  const triggers = await client.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'links'::regclass AND tgname = 'links_search_update'`);
  assert.equal(triggers.rowCount, 0, 'the trigger that filled it is gone');
  const found = await client.query(`SELECT title FROM links WHERE search @@ websearch_to_tsquery('veille_fr', 'serie temporelle')`);
  assert.deepEqual(found.rows, [{ title: 'Séries temporelles' }], 'rows migrated have their vector');
  await client.query(`UPDATE links SET commentary = 'Les données des capteurs' WHERE url = 'https://b.example/'`);
  const updated = await client.query(`SELECT url FROM links WHERE search @@ websearch_to_tsquery('veille_fr', 'capteur')`);
  assert.deepEqual(updated.rows, [{ url: 'https://b.example/' }]);
  const index = await client.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'links_search_idx'`);
  assert.match(index.rows[0]?.indexdef ?? '', /USING gin \(search\)/);
});
