import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { editionToMarkdown } from '../../../apps/domain/editions/edition-markdown.ts';
import { EXPORT_JSON_NAME, veilleExportSchema, type ExportLink, type VeilleExport } from '../../../apps/domain/exports/export-format.ts';
import { readImportSource } from '../../../apps/domain/imports/sources.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { runCli } from '../../helpers/cli.ts';
import { apiCaller, OWNER, setUpOwner, signIn } from '../../helpers/client.ts';
import { type Sample } from '../../helpers/samples.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');
const JUNE = JSON.parse(await readFile(path.join(SAMPLES, 'web-ops-iot-et-time-series-juin-2024.json'), 'utf8')) as Sample;
const JANUARY = JSON.parse(await readFile(path.join(SAMPLES, 'web-ops-data-janvier-2018.json'), 'utf8')) as Sample;
const FRENCH = { locale: 'fr', timeZone: 'Europe/Paris', titleTemplate: 'Web, Ops, IoT et Time Series - {Month} {year}' };
const EDITOR = { email: 'camille@example.org', name: 'Camille', password: 'an editor passphrase long enough' };

/** A newsletter with some history: two published sample editions (one with a nested item), a draft, an inbox, readers. */
async function seeded(t: TestContext, at: Date | string = new Date()) {
  // Sessions expire by the database's clock: tests that sign in keep the test clock at the real time.
  const clock = manualClock(at);
  const built = await buildTestApp(t, { clock });
  const owner = await setUpOwner(built.app);
  const { services } = built;
  await services.settings.update({ actor: OPERATOR, input: FRENCH });
  const [ownerUser] = await services.accounts.listUsers();
  const { token } = await services.auth.createApiToken({ actor: ownerUser!, name: 'export test' });
  await services.accounts.createUser({ actor: OPERATOR, ...EDITOR, role: 'editor' });
  const call = apiCaller(built.app, token);
  const createLink = async (body: Record<string, unknown>): Promise<string> => {
    const response = await call('POST', '/api/v1/links', body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  };
  const putSample = async (sample: Sample) => {
    const sections: Array<{ category: string; links: string[] }> = [];
    for (const category of sample.categories) {
      const ids: string[] = [];
      // January 2018 has an item whose whole paragraph is its title, longer than a title may be.
      for (const link of category.links) ids.push(await createLink({ url: link.url, title: link.title.slice(0, 300), commentary: link.commentary }));
      sections.push({ category: category.name, links: ids });
    }
    const put = await call('PUT', `/api/v1/editions/${sample.period}`, {
      title: sample.title,
      tags: sample.tags,
      intro: sample.intro,
      outro: sample.outro,
      freeSections: sample.freeSections,
      sections,
    });
    assert.ok(put.statusCode === 200 || put.statusCode === 201, put.body);
    return sections;
  };

  const juneSections = await putSample(JUNE);
  const januarySections = await putSample(JANUARY);
  // A nested item under the first link of January's first section.
  const parentId = januarySections[0]!.links[0]!;
  await createLink({ url: 'https://example.org/nested-item', title: 'A nested item', commentary: 'Said **under** its parent.', parentId });
  assert.equal((await call('POST', `/api/v1/editions/${JUNE.period}/publish`)).statusCode, 200);
  assert.equal((await call('POST', `/api/v1/editions/${JANUARY.period}/publish`)).statusCode, 200);

  // A draft with a free section only, and the inbox: a link with a nested item and tags, and a deleted one.
  const draft = await services.editions.ensureDraft({ period: '2024-07' });
  await services.editions.update({
    id: draft.id,
    input: { version: draft.version, intro: 'Brouillon de juillet.', blocks: [{ kind: 'text', heading: 'Astuce du mois', body: '```sh\nls -la\n```' }] },
  });
  const inboxId = await createLink({
    url: 'https://example.org/inbox',
    title: 'In the inbox',
    commentary: 'To read',
    category: 'Ops',
    via: '@someone',
    tags: ['kubernetes', 'ops'],
  });
  await createLink({ url: 'https://example.org/inbox-child', commentary: 'Child of an inbox link', parentId: inboxId });
  const deletedId = await createLink({ url: 'https://example.org/deleted', title: 'Deleted link' });
  assert.equal((await call('DELETE', `/api/v1/links/${deletedId}`)).statusCode, 204);
  const archived = await services.categories.create({ name: 'Old stuff' });
  await services.categories.archive({ id: archived.id, archived: true });

  // Readers: one added by hand, one through the form (pending, with a consent record), one who left.
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'home', ip: '198.51.100.7' });
  const leaving = await services.subscribers.add({ email: 'gone@example.org', actor: OPERATOR });
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: leaving.id }).split('token=')[1]! });

  return { ...built, clock, owner, call, juneSections, januarySections };
}

function flatten(links: ExportLink[]): ExportLink[] {
  return links.flatMap((link) => [link, ...flatten(link.children)]);
}

/** Every entry of a zip, by name. */
async function unzip(bytes: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const entries = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    entries.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
  }
  return entries;
}

test('the snapshot holds every edition, the inbox, categories, settings and subscribers, and validates with the schema', async (t) => {
  const { services, juneSections } = await seeded(t, '2024-07-20T22:30:00Z');
  const snapshot = await services.exports.snapshot({ actor: OPERATOR });
  const parsed = veilleExportSchema.parse(JSON.parse(JSON.stringify(snapshot)));
  assert.deepEqual(parsed, snapshot, 'what is written is what the schema reads back');
  assert.equal(snapshot.format, 'veille-export');
  assert.equal(snapshot.version, 2);
  assert.equal(snapshot.exportedAt, '2024-07-20T22:30:00.000Z');

  assert.deepEqual(
    snapshot.editions.map(({ period, status, markdownFile }) => ({ period, status, markdownFile })),
    [
      { period: '2018-01', status: 'published', markdownFile: 'editions/2018-01-web-ops-data-janvier-2018.md' },
      { period: '2024-06', status: 'published', markdownFile: 'editions/2024-06-web-ops-iot-et-time-series-juin-2024.md' },
      { period: '2024-07', status: 'draft', markdownFile: 'editions/2024-07-web-ops-iot-et-time-series-juillet-2024.md' },
    ],
  );
  const june = snapshot.editions[1]!;
  assert.equal(june.title, JUNE.title);
  assert.deepEqual(june.tags, JUNE.tags);
  assert.equal(june.intro, JUNE.intro);
  assert.equal(june.path, '/2024/06/web-ops-iot-et-time-series-juin-2024');
  assert.equal(june.publishedAt, '2024-07-20T22:30:00.000Z');
  const sectionsOf = (edition: (typeof snapshot.editions)[number]) => edition.blocks.flatMap((block) => (block.kind === 'category' ? [block] : []));
  const textsOf = (edition: (typeof snapshot.editions)[number]) =>
    edition.blocks.flatMap((block) => (block.kind === 'text' ? [{ heading: block.heading, body: block.body }] : []));
  assert.deepEqual(
    sectionsOf(june).map((section) => section.category),
    JUNE.categories.map((category) => category.name),
    'the edition’s own order, empty sections included',
  );
  assert.deepEqual(
    sectionsOf(june).map((section) => ({ category: section.category, links: section.links.map(({ url, title, commentary }) => ({ url, title, commentary })) })),
    JUNE.categories.map((category) => ({ category: category.name, links: category.links.map(({ url, title, commentary }) => ({ url, title, commentary })) })),
  );
  assert.equal(juneSections.flatMap((section) => section.links).length, flatten(sectionsOf(june).flatMap((section) => section.links)).length);
  const january = snapshot.editions[0]!;
  assert.deepEqual(textsOf(january), JANUARY.freeSections);
  const first = sectionsOf(january)[0]!.links[0]!;
  assert.equal(first.url, JANUARY.categories[0]!.links[0]!.url);
  assert.deepEqual(
    first.children.map(({ url, title, commentary, children }) => ({ url, title, commentary, children })),
    [{ url: 'https://example.org/nested-item', title: 'A nested item', commentary: 'Said **under** its parent.', children: [] }],
  );
  assert.match(first.createdAt, /^\d{4}-\d{2}-\d{2}T/);
  const draft = snapshot.editions[2]!;
  assert.deepEqual(sectionsOf(draft), []);
  assert.deepEqual(textsOf(draft), [{ heading: 'Astuce du mois', body: '```sh\nls -la\n```' }]);

  assert.deepEqual(
    snapshot.inbox.map(({ url, title, category, via, tags, children }) => ({ url, title, category, via, tags, children: children.map((child) => child.url) })),
    [
      {
        url: 'https://example.org/inbox',
        title: 'In the inbox',
        category: 'Ops',
        via: '@someone',
        tags: ['kubernetes', 'ops'],
        children: ['https://example.org/inbox-child'],
      },
    ],
    'the inbox without the deleted link, nested items under their parent',
  );
  assert.ok(!JSON.stringify(snapshot).includes('https://example.org/deleted'));

  const names = snapshot.categories.map((category) => category.name);
  for (const name of [...JUNE.categories, ...JANUARY.categories].map((category) => category.name)) assert.ok(names.includes(name), name);
  assert.deepEqual(
    snapshot.categories.find((category) => category.name === 'Old stuff'),
    { name: 'Old stuff', position: snapshot.categories.find((category) => category.name === 'Old stuff')!.position, archived: true },
  );
  assert.equal(snapshot.categories.filter((category) => category.archived).length, 1);

  assert.deepEqual(snapshot.settings, { ...(await services.settings.get()) });
  assert.equal(snapshot.settings.locale, 'fr');

  const subscribers = new Map(snapshot.subscribers.map((subscriber) => [subscriber.email, subscriber]));
  assert.deepEqual([...subscribers.keys()].sort(), ['gone@example.org', 'pending@example.org', 'reader@example.org']);
  assert.equal(subscribers.get('reader@example.org')!.status, 'active');
  assert.equal(subscribers.get('gone@example.org')!.status, 'unsubscribed');
  assert.ok(subscribers.get('gone@example.org')!.unsubscribedAt);
  const pending = subscribers.get('pending@example.org')!;
  assert.equal(pending.status, 'pending');
  assert.equal(pending.consent?.ip, '198.51.100.7');
  assert.equal(pending.consent?.form, 'home');
  assert.match(pending.consent!.text, /désinscription en un clic/);
  for (const subscriber of snapshot.subscribers) {
    assert.deepEqual(Object.keys(subscriber).sort(), ['bouncedAt', 'confirmedAt', 'consent', 'createdAt', 'email', 'source', 'status', 'unsubscribedAt']);
  }
  const text = JSON.stringify(snapshot);
  assert.ok(!text.includes(OWNER.email) && !text.includes(EDITOR.email), 'accounts are not exported');
  assert.doesNotMatch(text, /argon2|passwordHash|password_hash|tokenHash|"vt_/);

  // 22:30 UTC on the 20th is already the 21st in Paris, the newsletter's time zone.
  const archive = await services.exports.zip({ actor: OPERATOR });
  archive.stream.resume();
  assert.equal(archive.filename, 'veille-export-2024-07-21.zip');
});

test('the Markdown files are the editions’ own Markdown; the owner downloads everything as a zip; editors may not', async (t) => {
  const { app, services, owner, clock } = await seeded(t);
  const { files, counts } = await services.exports.files({ actor: OPERATOR });
  assert.deepEqual(counts, { editions: 3, editionLinks: 22, inboxLinks: 2, categories: counts.categories, subscribers: 3 });
  assert.equal(files[0]!.path, EXPORT_JSON_NAME);
  for (const row of await services.editions.list()) {
    const file = files.find((candidate) => candidate.path === `editions/${row.period}-${row.slug}.md`);
    assert.ok(file, `${row.period} has its Markdown file`);
    assert.equal(file.content, editionToMarkdown(await services.editions.document({ edition: row })));
  }
  assert.equal(files.length, 4);

  const page = await owner.get('/admin/export');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Download everything \(\.zip\)/);
  assert.match(page.body, /Today: 3 editions, 1 link in the inbox, \d+ categories, 3 subscribers\./);
  assert.match((await owner.get('/admin')).body, /href="\/admin\/export"/, 'owners see Export in the menu');

  const download = await owner.get('/admin/export.zip');
  assert.equal(download.statusCode, 200);
  assert.equal(download.headers['content-type'], 'application/zip');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(clock.now());
  assert.equal(download.headers['content-disposition'], `attachment; filename="veille-export-${today}.zip"`);
  assert.equal(download.headers['cache-control'], 'no-store');
  const entries = await unzip(download.rawPayload);
  assert.deepEqual(
    [...entries.keys()],
    files.map((file) => file.path),
  );
  for (const file of files.slice(1)) assert.equal(entries.get(file.path), file.content, file.path);
  const fromZip = veilleExportSchema.parse(JSON.parse(entries.get(EXPORT_JSON_NAME)!)) as VeilleExport;
  assert.deepEqual(
    fromZip.editions.map((edition) => edition.period),
    ['2018-01', '2024-06', '2024-07'],
  );

  // The importer's reader takes the archive back: the JSON and every Markdown file.
  const read = await readImportSource({ kind: 'upload', filename: 'export.zip', bytes: download.rawPayload });
  assert.deepEqual(read.problems, []);
  assert.deepEqual(
    read.texts.map((text) => text.kind),
    ['veille-json', 'markdown', 'markdown', 'markdown'],
  );

  const editor = await signIn(app, EDITOR.email, EDITOR.password);
  assert.equal((await editor.get('/admin/export')).statusCode, 403);
  const refused = await editor.get('/admin/export.zip');
  assert.equal(refused.statusCode, 403);
  assert.notEqual(refused.headers['content-type'], 'application/zip');
  assert.doesNotMatch((await editor.get('/admin')).body, /href="\/admin\/export"/);
  const anonymous = await app.inject({ method: 'GET', url: '/admin/export.zip', headers: { accept: 'text/html' } });
  assert.equal(anonymous.statusCode, 303);
  assert.match(anonymous.headers.location as string, /^\/login/);
});

test('npm run cli -- export <dir> writes the folder and prints the counts', async (t) => {
  const { services, databaseUrl, config } = await seeded(t);
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: config.dataDir, SESSION_SECRET: config.sessionSecret };
  const parent = await mkdtemp(path.join(os.tmpdir(), 'veille-export-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'backup', 'today');

  const result = await runCli(['export', dir], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout.trim(),
    `Exported 3 editions (22 links), 2 inbox links, ${(await services.exports.snapshot({ actor: OPERATOR })).categories.length} categories and 3 subscribers to ${dir}`,
  );
  assert.deepEqual((await readdir(dir)).sort(), ['editions', EXPORT_JSON_NAME]);
  assert.deepEqual((await readdir(path.join(dir, 'editions'))).sort(), [
    '2018-01-web-ops-data-janvier-2018.md',
    '2024-06-web-ops-iot-et-time-series-juin-2024.md',
    '2024-07-web-ops-iot-et-time-series-juillet-2024.md',
  ]);
  const written = veilleExportSchema.parse(JSON.parse(await readFile(path.join(dir, EXPORT_JSON_NAME), 'utf8')));
  assert.equal(written.subscribers.length, 3);
  const june = await services.editions.find({ period: '2024-06' });
  assert.equal(
    await readFile(path.join(dir, 'editions/2024-06-web-ops-iot-et-time-series-juin-2024.md'), 'utf8'),
    editionToMarkdown(await services.editions.document({ edition: june })),
  );

  const again = await runCli(['export', dir], env);
  assert.equal(again.code, 0, 'an existing export folder is written over');
  const missing = await runCli(['export'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Name one folder to write the export into/);
  const stray = await runCli(['users:list', 'extra'], env);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /Unexpected argument 'extra'/);
});
