import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { zip } from '../../helpers/zip.ts';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';
import { plannedSections } from '../../../apps/domain/imports/import-plan.ts';

const FRONT = (title: string, date: string) => `+++\ntitle = "${title}"\ndate = ${date}\n+++\n\n`;
const upload = (filename: string, text: string) => ({ kind: 'upload' as const, filename, bytes: Buffer.from(text) });
const names = (links: Array<{ title: string | null }>) => links.map((link) => link.title);

test("the plan merges the sections that name one category, by the categories' own key, into the first", async (t) => {
  const { services } = await buildTestApp(t);
  const alike = `${FRONT('Veille', '2024-06-30')}## Web\n\n* [A](https://a.example)\n\n## Ops\n\n## web\n\n* [B](https://b.example)\n`;
  const { plan } = await services.imports.preview({ actor: OPERATOR, source: upload('edition.md', alike) });
  const [edition] = plan.editions;
  assert.deepEqual(
    plannedSections(edition!).map((section) => [section.name, names(section.links)]),
    [
      ['Web', ['A', 'B']],
      ['Ops', []],
    ],
  );
  assert.deepEqual(edition!.warnings, ['Section “web” appears more than once: its links and texts were merged into the first one.']);

  // Accents too, as the categories table compares them.
  const accents = `${FRONT('Veille', '2024-07-31')}## Données\n\n* [C](https://c.example)\n\n## Web\n\n* [D](https://d.example)\n\n## DONNEES\n\n* [E](https://e.example)\n`;
  const second = (await services.imports.preview({ actor: OPERATOR, source: upload('juillet.md', accents) })).plan.editions[0]!;
  assert.deepEqual(
    plannedSections(second).map((section) => [section.name, names(section.links)]),
    [
      ['Données', ['C', 'E']],
      ['Web', ['D']],
    ],
  );
  assert.match(second.warnings.join(' '), /Section “DONNEES” appears more than once/);
});

test('the dry run matches existing categories by their key, and names each new one once', async (t) => {
  const { services } = await buildTestApp(t);
  await services.categories.create({ name: 'IoT' });
  const june = `${FRONT('Juin', '2024-06-30')}## iot\n\n* [A](https://a.example)\n\n## Nouvelle catégorie\n\n* [B](https://b.example)\n`;
  const july = `${FRONT('Juillet', '2024-07-31')}## IOT\n\n* [C](https://c.example)\n\n## nouvelle categorie\n\n* [D](https://d.example)\n`;
  const archive = await zip({ 'juin.md': june, 'juillet.md': july });
  const report = await services.imports.importNow({ actor: OPERATOR, source: { kind: 'upload', filename: 'site.zip', bytes: archive }, dryRun: true });
  assert.deepEqual(report.categories, { existing: ['IoT'], created: ['Nouvelle catégorie'] });

  const done = await services.imports.importNow({ actor: OPERATOR, source: { kind: 'upload', filename: 'site.zip', bytes: archive }, dryRun: false });
  assert.equal(done.outcome?.created, 2);
  assert.deepEqual(
    (await services.categories.list()).map((category) => category.name),
    ['IoT', 'Nouvelle catégorie'],
    'one category per key, created once',
  );
  const july2024 = await services.editions.document({ edition: await services.editions.find({ period: '2024-07' }) });
  assert.deepEqual(
    categoryBlocks(july2024).map((section) => [section.name, section.links.map((link) => link.title)]),
    [
      ['IoT', ['C']],
      ['Nouvelle catégorie', ['D']],
    ],
  );
});

test('the run goes through the services: a slug of its own, nested items under their parent, a taken period left alone', async (t) => {
  const { services } = await buildTestApp(t);
  // Another period already uses the slug the imported title gives.
  const other = await services.editions.ensureDraft({ period: '2023-06' });
  await services.editions.update({ id: other.id, input: { version: other.version, slug: 'juin-2024' } });
  const markdown = `${FRONT('Juin 2024', '2024-06-30')}## Web\n\n* [Parent](https://p.example) : le lien\n    * [Enfant 1](https://c1.example) : dessous\n    * [Enfant 2](https://c2.example) : dessous aussi\n* [Suivant](https://n.example) : après\n`;
  const done = await services.imports.importNow({ actor: OPERATOR, source: upload('juin.md', markdown), dryRun: false });
  assert.equal(done.outcome?.created, 1);
  const june = await services.editions.find({ period: '2024-06' });
  assert.equal(june.slug, 'juin-2024-2');
  const doc = await services.editions.document({ edition: june });
  assert.deepEqual(
    categoryBlocks(doc)[0]!.links.map((link) => [link.title, link.children.map((child) => child.title)]),
    [
      ['Parent', ['Enfant 1', 'Enfant 2']],
      ['Suivant', []],
    ],
  );

  // The editions service creates an imported edition only where nobody worked: an untouched draft gives way.
  const values = { period: '2024-08', title: 'Août', slug: null, status: 'published' as const, publishedAt: new Date('2024-08-31T10:00:00Z') };
  const untouched = await services.editions.ensureDraft({ period: '2024-08' });
  const created = await services.editions.createImported({ values });
  assert.ok(created && created.id !== untouched.id && created.slug === 'aout');
  assert.equal(await services.editions.createImported({ values }), undefined, 'a period holding an edition is left alone');
});

test('a section name too long for a category is cut between characters, and the edition still comes in', async (t) => {
  const { services } = await buildTestApp(t);
  const long = `Données ${'📈'.repeat(60)}`;
  const markdown = `${FRONT('Juin 2024', '2024-06-30')}## ${long}\n\n* [A](https://a.example) : un\n`;
  const done = await services.imports.importNow({ actor: OPERATOR, source: upload('juin.md', markdown), dryRun: false });
  assert.deepEqual([done.outcome?.created, done.outcome?.failed], [1, []]);
  assert.match(done.editions[0]!.warnings.join(' '), /has a name over 100 characters: it is cut there/);
  const [category] = await services.categories.list();
  assert.ok(category!.name.length <= 100 && long.startsWith(category!.name), category!.name);
  assert.doesNotMatch(category!.name, /[\uD800-\uDBFF]$/, 'no half of a character at the cut');
});
