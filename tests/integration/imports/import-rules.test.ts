import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../../helpers/app.ts';
import { runCli } from '../../helpers/cli.ts';
import type { TestClient } from '../../helpers/client.ts';
import { setUpOwner, signIn } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { plannedSections } from '../../../apps/domain/imports/import-plan.ts';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');
const FILES = { '2018-01': 'web-ops-data-janvier-2018', '2024-06': 'web-ops-iot-et-time-series-juin-2024' } as const;
const markdownOf = (period: keyof typeof FILES) => readFile(path.join(SAMPLES, `${FILES[period]}.md`), 'utf8');

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

test('an empty draft gives way, a draft someone edited does not; a scheduled edition comes in as a draft', async (t) => {
  const { services, database } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', timeZone: 'Europe/Paris' } });
  await services.editions.ensureDraft({ period: '2018-01' });
  const june = await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.update({ id: june.id, input: { version: june.version, outro: 'À bientôt !' } });
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-import-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  await writeFile(path.join(folder, 'janvier.md'), await markdownOf('2018-01'));
  await writeFile(path.join(folder, 'juin.md'), await markdownOf('2024-06'));

  const dry = await services.imports.importNow({ source: { kind: 'path', path: folder }, dryRun: true, actor: OPERATOR });
  assert.deepEqual(
    dry.editions.map((edition) => [edition.period, edition.action]),
    [
      ['2018-01', 'create'],
      ['2024-06', 'skip'],
    ],
  );
  assert.match(dry.editions[0]!.warnings.join(' '), /empty draft of 2018-01/);
  const done = await services.imports.importNow({ source: { kind: 'path', path: folder }, dryRun: false, actor: OPERATOR });
  assert.equal(done.outcome?.created, 1);
  assert.equal((await services.editions.find({ period: '2018-01' })).status, 'published');
  assert.equal((await services.editions.find({ period: '2024-06' })).outro, 'À bientôt !', 'the edited draft is left as it is');

  // A Veille export holding a scheduled edition whose time has passed.
  const exported = await services.exports.snapshot({ actor: OPERATOR });
  const scheduled = {
    ...exported.editions.find((edition) => edition.period === '2018-01')!,
    period: '2019-03',
    slug: 'mars-2019',
    status: 'scheduled' as const,
    publishedAt: null,
    scheduledAt: '2019-03-31T18:00:00.000Z',
    markdownFile: 'editions/2019-03-mars-2019.md',
  };
  await writeFile(path.join(folder, 'veille-export.json'), JSON.stringify({ ...exported, editions: [scheduled] }));
  const fromExport = await services.imports.importNow({
    source: { kind: 'path', path: path.join(folder, 'veille-export.json') },
    dryRun: false,
    actor: OPERATOR,
  });
  assert.match(fromExport.editions[0]!.warnings.join(' '), /Was scheduled for 2019-03-31T18:00:00.000Z: imported as a draft/);
  const row = await services.editions.find({ period: '2019-03' });
  assert.equal(row.status, 'draft');
  assert.equal(row.scheduledAt, null);
  assert.deepEqual(await services.editions.publishDue(), [], 'nothing is left for the schedule to publish (and send)');
  const { rows } = await database.pool.query('SELECT count(*)::int AS count FROM sends');
  assert.equal(rows[0].count, 0);
});

test('an edition that fails to save leaves nothing behind, and the others are imported', async (t) => {
  const { services, database } = await buildTestApp(t);
  const { plan, report } = await services.imports.preview({
    actor: OPERATOR,
    source: { kind: 'upload', filename: 'juin.md', bytes: Buffer.from(await markdownOf('2024-06')) },
  });
  const broken = structuredClone(plan.editions[0]!);
  broken.period = '2024-05';
  broken.title = 'Mai 2024';
  broken.blocks = [
    {
      kind: 'category',
      name: 'Catégorie du mois cassé',
      intro: '',
      outro: '',
      keepEmpty: false,
      links: [{ ...plannedSections(broken)[3]!.links[0]!, createdAt: 'not a date' }],
    },
  ];
  const result = await services.imports.execute({ actor: OPERATOR, plan: { ...plan, editions: [broken, ...plan.editions] }, previous: report });
  assert.equal(result.outcome?.created, 1);
  assert.deepEqual(
    result.outcome?.failed.map((failure) => failure.period),
    ['2024-05'],
  );
  assert.doesNotMatch(result.outcome!.failed[0]!.reason, /insert|select|\$1/i, 'no SQL is shown');
  await assert.rejects(services.editions.find({ period: '2024-05' }));
  const { rows } = await database.pool.query(`SELECT count(*)::int AS count FROM categories WHERE name = 'Catégorie du mois cassé'`);
  assert.equal(rows[0].count, 0, 'the failed edition’s new category was rolled back with it');
});

test('only owners import; a visitor’s upload is refused before it is read; a file over the ceiling gets the form back', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  await services.accounts.createUser({
    actor: OPERATOR,
    email: 'camille@example.org',
    name: 'Camille',
    password: 'an editor passphrase long enough',
    role: 'editor',
  });
  const editor = await signIn(app, 'camille@example.org', 'an editor passphrase long enough');
  assert.equal((await editor.get('/admin/import')).statusCode, 403);
  const anonymous = await app.inject({
    method: 'POST',
    url: '/admin/import',
    payload: Buffer.alloc(70 * 1024 * 1024, 'a'),
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
  });
  assert.equal(anonymous.statusCode, 401);
  const huge = await upload(app, owner, { name: 'huge.zip', content: Buffer.alloc(61 * 1024 * 1024, 'a') });
  assert.equal(huge.statusCode, 413);
  assert.match(huge.body, /larger than 60 MB; an import takes up to 25 MB/);
  assert.match(huge.body, /name="file"/, 'the form is there to try again');
});

test('npm run demo fills Veille once', async (t) => {
  const { services, databaseUrl, config } = await buildTestApp(t);
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: config.dataDir, SESSION_SECRET: config.sessionSecret };
  const first = await runCli(['demo'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /2 editions published, 5 links added to the inbox/);
  const again = await runCli(['demo'], env);
  assert.match(again.stdout, /0 editions published, 0 links added to the inbox/);
  assert.equal((await services.editions.list()).filter((edition) => edition.status === 'published').length, 2);
});
