import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { apiCaller, setUpOwner } from '../../helpers/client.ts';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';

/** The app with a signed-in owner, the JSON API as a script calls it, and the admin's forms. */
async function build(t: TestContext) {
  const built = await buildTestApp(t);
  const owner = await setUpOwner(built.app);
  const [user] = await built.services.accounts.listUsers();
  const { token } = await built.services.auth.createApiToken({ actor: user!, name: 'categories test' });
  const csrf = await owner.csrfToken();
  return {
    ...built,
    owner,
    user: user!,
    call: apiCaller(built.app, token),
    form: (url: string, body: Record<string, string>) => owner.post(url, { _csrf: csrf, ...body }),
  };
}

const categoryRows = async (pool: { query: (text: string) => Promise<{ rows: Array<{ name: string; name_key: string }> }> }) =>
  (await pool.query('SELECT name, name_key FROM categories ORDER BY position')).rows;

test('"donnees" from the API and "Données" from the admin are one category, and a later import finds it', async (t) => {
  const { call, form, services, database } = await build(t);
  const posted = await call('POST', '/api/v1/links', { url: 'https://example.org/tsdb', title: 'TSDB', category: 'donnees' });
  assert.equal(posted.statusCode, 201, posted.body);
  const categoryId = posted.json<{ categoryId: string }>().categoryId;

  // The admin's form: the same category, spelled as French spells it, exists already.
  const refused = await form('/admin/categories', { name: 'Données' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /&quot;donnees&quot; exists already\./);
  assert.match(refused.body, /value="Données"/, 'what was typed is kept');
  // Whitespace and case do not make another one either.
  const spaced = await call('POST', '/api/v1/links', { url: 'https://example.org/other', category: '  DONNÉES ' });
  assert.equal(spaced.json<{ categoryId: string }>().categoryId, categoryId);
  assert.deepEqual(await categoryRows(database.pool), [{ name: 'donnees', name_key: 'donnees' }]);

  const markdown = '+++\ntitle = "Juin 2024"\ndate = 2024-06-30\n+++\n\n## Données\n\n* [Un lien](https://links.example/1) : à lire\n';
  const source = { kind: 'upload' as const, filename: 'juin.md', bytes: Buffer.from(markdown) };
  const dry = await services.imports.importNow({ actor: OPERATOR, source, dryRun: true });
  assert.deepEqual(dry.categories, { existing: ['donnees'], created: [] }, 'the dry run matches the existing category');
  const done = await services.imports.importNow({ actor: OPERATOR, source, dryRun: false });
  assert.equal(done.outcome?.created, 1);
  assert.deepEqual(await categoryRows(database.pool), [{ name: 'donnees', name_key: 'donnees' }], 'the import created no second category');
  const june = await services.editions.document({ edition: await services.editions.find({ period: '2024-06' }) });
  assert.deepEqual(
    categoryBlocks(june).map((section) => [section.categoryId, section.name, section.links.length]),
    [[categoryId, 'donnees', 1]],
  );
});

test('resolve: one name, one category, found whatever the accents, case and spaces; an archived one comes back only when asked', async (t) => {
  const { services } = await build(t);
  const { categories } = services;
  const first = await categories.resolve({ name: 'Séries temporelles' });
  assert.equal(first.status, 'created');
  for (const name of ['series temporelles', 'SÉRIES  TEMPORELLES', ' Se\u0301ries\u00a0temporelles ']) {
    const again = await categories.resolve({ name });
    assert.deepEqual([again.status, again.category.id, again.category.name], ['found', first.category.id, 'Séries temporelles'], name);
  }
  const [one, two] = await Promise.all([categories.resolve({ name: 'Conteneurs' }), categories.resolve({ name: 'conteneurs' })]);
  assert.equal(one.category.id, two.category.id, 'two requests at once still make one category');

  await categories.archive({ id: first.category.id, archived: true });
  const found = await categories.resolve({ name: 'series temporelles' });
  assert.deepEqual([found.status, found.category.archivedAt !== null], ['found', true], 'found as it is');
  const restored = await categories.resolve({ name: 'series temporelles', restore: true });
  assert.deepEqual([restored.status, restored.category.archivedAt], ['restored', null]);
  await assert.rejects(categories.resolve({ name: '  ' }), ValidationError);
  await assert.rejects(categories.resolve({ name: 'a\u0007b' }), ValidationError);

  // Renaming to another category's key is refused; changing the accents of one's own name is not.
  const other = await categories.create({ name: 'Données' });
  await assert.rejects(
    categories.rename({ id: other.id, name: 'Series Temporelles' }),
    (error: unknown) => error instanceof ValidationError && /exists already/.test(error.fields.name ?? ''),
  );
  assert.equal((await categories.rename({ id: other.id, name: 'DONNEES' })).name, 'DONNEES');
  const matches = await categories.match({ names: ['données', 'Nouvelle', 'nouvelle '] });
  assert.deepEqual(
    matches.map((match) => [match.name, match.key, match.existing?.id ?? null]),
    [
      ['données', 'donnees', other.id],
      ['Nouvelle', 'nouvelle', null],
      ['nouvelle ', 'nouvelle', null],
    ],
  );
});
