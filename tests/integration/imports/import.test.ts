import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { EXPORT_JSON_NAME, veilleExportSchema, type VeilleExport } from '../../../apps/domain/exports/export-format.ts';
import { escapeHtml } from '../../../apps/domain/platform/html.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import type { Services } from '../../../apps/bootstrap/services.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { runCli } from '../../helpers/cli.ts';
import { TestClient, setUpOwner } from '../../helpers/client.ts';
import { startPageServer } from '../../helpers/page-server.ts';
import { until } from '../../helpers/wait.ts';
import type { Sample, SampleLink } from '../../helpers/samples.ts';
import { zip } from '../../helpers/zip.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');
const FILES = { '2018-01': 'web-ops-data-janvier-2018', '2024-06': 'web-ops-iot-et-time-series-juin-2024' } as const;
const markdownOf = (period: keyof typeof FILES) => readFile(path.join(SAMPLES, `${FILES[period]}.md`), 'utf8');
const sampleOf = async (period: keyof typeof FILES) => JSON.parse(await readFile(path.join(SAMPLES, `${FILES[period]}.json`), 'utf8')) as Sample;

/** The admin's upload form, sent as a browser would. */
async function upload(app: FastifyInstance, client: TestClient, file: { name: string; content: Buffer } | undefined, fields: Record<string, string> = {}) {
  const boundary = '----veille-import-boundary';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries({ _csrf: await client.csrfToken(), ...fields })) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return app.inject({
    method: 'POST',
    url: '/admin/import',
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `veille_session=${client.cookies.get('veille_session')}` },
  });
}

/** Uploads, reads the dry run, starts the import and waits for the worker to finish it. */
async function importThroughAdmin(app: FastifyInstance, client: TestClient, file: { name: string; content: Buffer }) {
  const uploaded = await upload(app, client, file);
  assert.equal(uploaded.statusCode, 303, uploaded.body.slice(0, 500));
  const reportUrl = uploaded.headers.location as string;
  const dryRun = await client.get(reportUrl);
  assert.equal(dryRun.statusCode, 200);
  const started = await client.postForm(`${reportUrl}/run`, {}, { 'hx-request': 'true' });
  assert.equal(started.statusCode, 200, started.body);
  assert.match(started.body, /hx-trigger="every 1s"/, 'the progress bar polls while the import runs');
  let progress = started.body;
  for (let attempt = 0; attempt < 200 && /hx-trigger="every 1s"/.test(progress); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    progress = (await client.get(reportUrl, { 'hx-request': 'true' })).body;
  }
  assert.doesNotMatch(progress, /hx-trigger/, 'the finished import stops polling');
  return { dryRun: dryRun.body, progress };
}

function flatten(links: SampleLink[]): SampleLink[] {
  return links.flatMap((link) => [link, ...flatten(link.children)]);
}

/** Every category and link of the sample appears on the public page, in the original order. */
async function assertPublicPage(app: FastifyInstance, services: Services, sample: Sample) {
  const row = await services.editions.find({ period: sample.period });
  assert.equal(row.status, 'published');
  const page = await app.inject({ url: editionPath(row) });
  assert.equal(page.statusCode, 200);
  let cursor = 0;
  // An empty section of an archive is a heading alone, unmarked: readers do not see it (see the README).
  for (const category of sample.categories.filter((candidate) => candidate.links.length > 0)) {
    // Matched categories keep the name they had here: compare names without case.
    const at = page.body.toLowerCase().indexOf(`>${escapeHtml(category.name).toLowerCase()}</h2>`, cursor);
    assert.ok(at > cursor, `section “${category.name}” in order on ${editionPath(row)}`);
    cursor = at;
    for (const link of flatten(category.links)) {
      const found = page.body.indexOf(`href="${escapeHtml(link.url)}">${escapeHtml(link.title)}</a>`, cursor);
      assert.ok(found > cursor, `link “${link.title.slice(0, 40)}” in order`);
      cursor = found;
    }
  }
  for (const free of sample.freeSections) assert.ok(page.body.includes(`>${escapeHtml(free.heading)}</h2>`), free.heading);
}

async function counts(services: Services, t: TestContext) {
  void t;
  const all = await services.editions.list();
  return { editions: all.length, links: all.reduce((sum, edition) => sum + edition.linkCount, 0) };
}

test('both samples imported through the admin upload: dry run first, published with their dates, no email, idempotent', async (t) => {
  const { app, services, database } = await buildTestApp(t, { worker: true });
  const client = await setUpOwner(app);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', timeZone: 'Europe/Paris' } });
  // A category that exists already, spelled differently: matched, not created again.
  await services.categories.create({ name: 'iot' });
  const archive = await zip({
    'content/editions/web-ops-data-janvier-2018.md': await markdownOf('2018-01'),
    'content/editions/web-ops-iot-et-time-series-juin-2024.md': await markdownOf('2024-06'),
    'content/editions/_index.md': '+++\ntitle = "Archives"\nsort_by = "date"\n+++\n',
  });

  const first = await importThroughAdmin(app, client, { name: 'site.zip', content: archive });
  assert.match(first.dryRun, /<strong>2<\/strong> editions to create, with <strong>21<\/strong> links/);
  assert.match(
    first.dryRun,
    /10 categories to create: Container &amp; Orchestration, Infrastructure, \(No\)SQL, Certificats, API, Data, Python, Ops, Time Series, Web/,
  );
  assert.match(first.dryRun, /1 matched existing ones/);
  assert.match(first.dryRun, /_index\.md/, 'the section index file is listed as not imported');
  assert.match(first.progress, /2 created, 0 already there/);

  for (const period of ['2018-01', '2024-06'] as const) await assertPublicPage(app, services, await sampleOf(period));
  const january = await services.editions.find({ period: '2018-01' });
  assert.equal(january.publishedAt?.toISOString().slice(0, 10), '2018-01-31', 'the original date is kept');
  const { rows: sent } = await database.pool.query('SELECT count(*)::int AS count FROM sends');
  assert.equal(sent[0].count, 0, 'importing sends no email');
  const { rows: categories } = await database.pool.query<{ name: string }>('SELECT name FROM categories WHERE lower(name) = $1', ['iot']);
  assert.deepEqual(
    categories.map((row) => row.name),
    ['iot'],
  );

  // The exported Markdown of an imported edition is the file it came from.
  // (June's "IoT" section is now the existing "iot" category.)
  assert.equal((await client.get('/admin/editions/2018-01/export.md')).body, await markdownOf('2018-01'));
  assert.equal((await client.get('/admin/editions/2024-06/export.md')).body, (await markdownOf('2024-06')).replace('## IoT\n', '## iot\n'));

  const before = await counts(services, t);
  const second = await importThroughAdmin(app, client, { name: 'site.zip', content: archive });
  assert.match(second.dryRun, /<strong>0<\/strong> editions to create/);
  assert.match(second.dryRun, /2 already in Veille/);
  assert.match(second.progress, /0 created, 2 already there/);
  assert.deepEqual(await counts(services, t), before, 'importing the same file again creates nothing');
});

test('the command line: a dry run writes nothing, the import then creates the editions once', async (t) => {
  const { app, services, databaseUrl, config } = await buildTestApp(t);
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: config.dataDir, SESSION_SECRET: config.sessionSecret };
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-import-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  await writeFile(path.join(folder, 'janvier.md'), await markdownOf('2018-01'));
  await writeFile(path.join(folder, 'juin.md'), await markdownOf('2024-06'));
  await writeFile(path.join(folder, 'juin-bis.md'), (await markdownOf('2024-06')).replace('title = "', 'title = "Copie de '));
  await writeFile(path.join(folder, 'notes.md'), 'Just some notes, no front matter.\n');

  const dry = await runCli(['import', folder, '--dry-run'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /Dry run: nothing was written/);
  assert.match(dry.stdout, /create 2018-01 {2}Web, Ops & Data - Janvier 2018 {2}\(4 sections, 11 links, 1 free sections\)/);
  assert.match(dry.stdout, /2 editions and 21 links would be created/);
  assert.match(dry.stdout, /juin\.md: 2024-06 is given by “.*juin-bis\.md” too: only that one is imported|juin-bis\.md: 2024-06 is given by “.*juin\.md” too/);
  assert.match(dry.stdout, /notes\.md: .*front matter/i);
  assert.equal((await services.editions.list()).length, 0);

  const real = await runCli(['import', folder], env);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /Result: 2 editions created, 0 skipped, 0 failed/);
  await assertPublicPage(app, services, await sampleOf('2018-01'));
  const again = await runCli(['import', path.join(folder, 'janvier.md')], env);
  assert.match(again.stdout, /Result: 0 editions created, 1 skipped/);

  const missing = await runCli(['import'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Name one folder, file or feed address/);
});

test('an export imported into an empty Veille reproduces the same archive', async (t) => {
  const source = await buildTestApp(t);
  await setUpOwner(source.app);
  await source.services.settings.update({
    actor: OPERATOR,
    input: { newsletterName: 'Web, Ops & Data', locale: 'fr', timeZone: 'Europe/Paris', footer: 'Web, Ops & Data, 1 rue de la Paix, Paris' },
  });
  const demo = await source.services.imports.loadDemo({ actor: OPERATOR });
  assert.deepEqual(demo, { editions: 2, inbox: 5 });
  // A nested item and a draft: the export must bring those too.
  const june = await source.services.editions.document({ edition: await source.services.editions.find({ period: '2024-06' }) });
  const [owner] = await source.services.accounts.listUsers();
  const parent = categoryBlocks(june).find((section) => section.links.length > 0)!.links[0]!;
  const child = await source.services.links.add({
    actor: owner!,
    input: { url: 'https://links.example/nested/1', title: 'Un lien imbriqué', commentary: 'sous le premier', parentId: parent.id },
  });
  assert.ok(child.link.id);
  await source.services.editions.ensureDraft({ period: '2024-07' });
  await source.services.subscribers.add({ email: 'lecteur@example.org', actor: OPERATOR });
  // Readers who left or bounced, and an archived category, come back as they were.
  await source.services.subscribers.add({ email: 'partie@example.org', actor: OPERATOR });
  await source.services.subscribers.add({ email: 'rebond@example.org', actor: OPERATOR });
  await source.database.pool.query(
    `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = '2024-07-02T08:00:00Z' WHERE email = 'partie@example.org'`,
  );
  await source.database.pool.query(`UPDATE subscribers SET status = 'bounced', bounced_at = '2024-07-03T08:00:00Z' WHERE email = 'rebond@example.org'`);
  await source.database.pool.query(`UPDATE categories SET archived_at = now() WHERE name = 'Certificats'`);

  const exported = await source.services.exports.snapshot({ actor: OPERATOR });
  assert.ok(exported.subscribers.some((subscriber) => subscriber.status === 'unsubscribed' && subscriber.unsubscribedAt));
  assert.ok(exported.categories.some((category) => category.archived));
  const archive = await source.services.exports.zip({ actor: OPERATOR });
  const chunks: Buffer[] = [];
  for await (const chunk of archive.stream) chunks.push(chunk as Buffer);

  const target = await buildTestApp(t, { worker: true });
  const client = await setUpOwner(target.app);
  const { progress } = await importThroughAdmin(target.app, client, { name: archive.filename, content: Buffer.concat(chunks) });
  assert.match(progress, /subscribers added/);
  const reimported = await target.services.exports.snapshot({ actor: OPERATOR });

  const comparable = (snapshot: VeilleExport) => {
    const parsed = veilleExportSchema.parse(snapshot);
    return { ...parsed, exportedAt: undefined, editions: parsed.editions.map((edition) => ({ ...edition, createdAt: undefined, updatedAt: undefined })) };
  };
  assert.deepEqual(comparable(reimported), comparable(exported));
  // The growth chart's anonymous counts follow: three readers joined, one left, one bounced.
  const { rows: events } = await target.database.pool.query<{ kind: string; count: number }>(
    'SELECT kind, count(*)::int AS count FROM subscription_events GROUP BY kind ORDER BY kind',
  );
  assert.deepEqual(Object.fromEntries(events.map((row) => [row.kind, row.count])), { bounced: 1, subscribed: 3, unsubscribed: 1 });
  for (const period of ['2018-01', '2024-06'] as const) await assertPublicPage(target.app, target.services, await sampleOf(period));
  assert.ok(EXPORT_JSON_NAME);
});

test('bad input is reported in the dry run, never a 500, and nothing is half-imported', async (t) => {
  const { app, services } = await buildTestApp(t, { worker: true });
  const client = await setUpOwner(app);
  const good = await markdownOf('2024-06');
  const built = await zip({
    'editions/juin.md': good,
    'XX/XX/etc/passwd.md': good.replace('2024-06-30', '2024-05-31'),
    'editions/broken-front-matter.md': '+++\ntitle = "Unterminated\ndate = 2024-04-30\n+++\n\n## Data\n',
    'editions/no-urls.md':
      '+++\ntitle = "Sans liens"\ndate = 2024-03-31\n+++\n\n## Data\n\n* [Un titre]() : pas d’adresse\n* Un item sans lien : rien\n* [Un vrai lien](https://links.example/ok) : bien\n',
    'editions/image.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    'editions/latin1.md': Buffer.from('+++\ntitle = "Édition"\ndate = 2024-02-29\n+++\n\n## Données\n', 'latin1'),
    'feed.xml': '<html><body>Not a feed</body></html>',
  });
  // yazl refuses the names an attacker would write: rename the entry in place (same length).
  const archive = Buffer.from(built);
  for (let at = archive.indexOf('XX/XX/'); at >= 0; at = archive.indexOf('XX/XX/', at + 1)) Buffer.from('../../').copy(archive, at);
  const uploaded = await upload(app, client, { name: 'messy.zip', content: archive });
  assert.equal(uploaded.statusCode, 303, uploaded.body.slice(0, 300));
  const report = await client.get(uploaded.headers.location as string);
  assert.equal(report.statusCode, 200);
  for (const expected of [/passwd\.md/, /broken-front-matter\.md/, /image\.md/, /latin1\.md/, /feed\.xml/, /has no URL|without (a )?URL/i])
    assert.match(report.body, expected);
  assert.match(report.body, /<strong>2<\/strong> editions to create/, 'June and the edition with one usable link');

  // Nothing is written before the go-ahead.
  assert.equal((await services.editions.list()).length, 0);

  const feed = await upload(app, client, { name: 'feed.xml', content: Buffer.from('{"items": []}') });
  assert.equal(feed.statusCode, 303);
  assert.match((await client.get(feed.headers.location as string)).body, /not an RSS or Atom feed|not a feed/i);

  const huge = await upload(app, client, { name: 'huge.md', content: Buffer.alloc(50 * 1024 * 1024, 'a') });
  assert.equal(huge.statusCode, 422);
  assert.match(huge.body, /50(\.0)? MB/);
  assert.match(huge.body, /25 MB/);

  const nothing = await upload(app, client, undefined);
  assert.equal(nothing.statusCode, 422);
  assert.match(nothing.body, /Choose a file/);
  const badUrl = await upload(app, client, undefined, { url: 'javascript:alert(1)' });
  assert.equal(badUrl.statusCode, 422);
  assert.match(badUrl.body, /value="javascript:alert\(1\)"/, 'what was typed is kept');
  const privateFeed = await upload(app, client, undefined, { url: 'http://127.0.0.1:9/feed.xml' });
  assert.equal(privateFeed.statusCode, 303);
  assert.match((await client.get(privateFeed.headers.location as string)).body, /private|not allowed|refused/i);

  const unknown = await client.get('/admin/import/00000000-0000-4000-8000-000000000000');
  assert.equal(unknown.statusCode, 404);
  const malformed = await client.get('/admin/import/not-an-id');
  assert.equal(malformed.statusCode, 404);
});

test('the first-run screen can fill an empty Veille with demo content', async (t) => {
  const { app, services } = await buildTestApp(t);
  const visitor = new TestClient(app);
  const setup = await visitor.get('/setup');
  assert.match(setup.body, /name="demo" value="1"/);
  const created = await visitor.postForm('/setup', { name: 'Nicolas', email: 'nicolas@example.org', password: 'correct horse battery staple', demo: '1' });
  assert.equal(created.statusCode, 303);
  const archive = await app.inject({ url: '/archive' });
  assert.match(archive.body, /Web, Ops &amp; Data - Janvier 2018/);
  assert.match(archive.body, /Web, Ops, IoT et Time Series - Juin 2024/);
  const inbox = await services.links.list({ scope: 'inbox' });
  assert.equal(inbox.links.length, 5);
  const feed = await app.inject({ url: '/feed.xml' });
  assert.match(feed.body, /Web, Ops, IoT et Time Series - Juin 2024/);
  // The demo is French, and so is the site around it: no English date above French text.
  assert.equal((await services.settings.get()).locale, 'fr');
  assert.match(archive.body, /<html lang="fr">/);
  const path = /href="(\/2024\/06\/[^"]+)"/.exec(archive.body)?.[1];
  assert.ok(path, 'the archive links the June 2024 edition');
  const page = (await app.inject({ url: path })).body;
  assert.match(page, /Publié le/);
  assert.doesNotMatch(page, /Published on/);
});

test('a feed imported by its address: a blog’s posts with lists of links become editions, the others are listed', async (t) => {
  // The feed of a Veille that has the two sample editions, served by a plain web site.
  const blog = await buildTestApp(t);
  await setUpOwner(blog.app);
  await blog.services.settings.update({ actor: OPERATOR, input: { locale: 'fr', timeZone: 'Europe/Paris' } });
  await blog.services.imports.loadDemo({ actor: OPERATOR });
  const feed = (await blog.app.inject({ url: '/feed.xml' })).body;
  const withPlainPost = feed.replace(
    '</channel>',
    '<item><title>Nos vacances</title><link>https://blog.example/vacances</link><pubDate>Mon, 05 Aug 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;Pas de liens ce mois-ci.&lt;/p&gt;</description></item></channel>',
  );
  const site = await startPageServer(t, { '/feed.xml': { body: withPlainPost, type: 'application/rss+xml; charset=utf-8' } });

  const { app, services } = await buildTestApp(t, { worker: true, env: { FETCH_ALLOW_PRIVATE: 'true' } });
  const client = await setUpOwner(app);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', timeZone: 'Europe/Paris' } });
  const uploaded = await upload(app, client, undefined, { url: `${site.origin}/feed.xml` });
  assert.equal(uploaded.statusCode, 303, uploaded.body.slice(0, 300));
  const report = await client.get(uploaded.headers.location as string);
  assert.match(report.body, /<strong>2<\/strong> editions to create, with <strong>21<\/strong> links/);
  assert.match(report.body, /vacances[\s\S]*no section with a list of links/i);
  const started = await client.postForm(`${uploaded.headers.location as string}/run`);
  assert.equal(started.statusCode, 303);
  await until(
    'the import to finish',
    async () => (await services.imports.find({ actor: OPERATOR, id: String(uploaded.headers.location).split('/').at(-1)! })).status === 'done',
    20_000,
  );
  for (const period of ['2018-01', '2024-06'] as const) await assertPublicPage(app, services, await sampleOf(period));
});
