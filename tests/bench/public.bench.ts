// Public pages under load: a published edition's page and the archive index, each compared with
// the same bytes served as a static file by the same server in the same run (autocannon, 50
// connections). Goal: at least 0.7 of the static file's throughput.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { connectDatabase } from '../../db/client.ts';
import { measure, startBenchApp } from './harness.ts';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { sql } from '../helpers/sql.ts';

const EDITIONS = 120;
const LINKS_PER_EDITION = 40;

let staticDir = '';
const bench = await startBenchApp({
  async beforeListen(app, dataDir) {
    staticDir = path.join(dataDir, 'static-copy');
    await mkdir(staticDir, { recursive: true });
    await app.register(fastifyStatic, { root: staticDir, prefix: '/bench-static/', decorateReply: false });
  },
});
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
try {
  const services = bench.runtime.services;
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', timeZone: 'Europe/Paris' } });
  const categories = [];
  for (const name of ['Container & Orchestration', 'Data', '(No)SQL', 'Ops', 'Python', 'Web']) categories.push(await services.categories.create({ name }));
  const categoryIds = categories.map((category) => category.id);
  await database.pool.query(sql`
    INSERT INTO editions (period, title, slug, status, published_at, intro, tags)
    SELECT to_char(d, 'YYYY-MM'), 'Web, Ops & Data - ' || to_char(d, 'YYYY-MM'), 'web-ops-data-' || to_char(d, 'YYYY-MM'), 'published', d + interval '27 days',
           'Cette édition et les précédentes sont également disponibles par email.', ARRAY['docker', 'postgres', 'caddy']
    FROM generate_series('2015-01-01'::date, '2015-01-01'::date + interval '1 month' * ${EDITIONS - 1}, interval '1 month') AS d`);
  await database.pool.query(sql`
    INSERT INTO links (url, normalized_url, title, commentary, commentary_html, category_id, edition_id, position, fetch_status)
    SELECT 'https://links.example/' || e.period || '/' || i, 'https://links.example/' || e.period || '/' || i,
           'Un article intéressant numéro ' || i,
           'Une revue détaillée de ce que la version apporte, avec des exemples et des conseils pratiques pour la production.',
           'Une revue détaillée de ce que la version apporte, avec des exemples et des conseils pratiques pour la production.',
           (${categoryIds}::uuid[])[1 + i % ${categories.length}], e.id, i, 'ok'
    FROM editions e, generate_series(1, ${LINKS_PER_EDITION}) AS i`);

  const editionPath = '/2024/12/web-ops-data-2024-12';
  const rows = [];
  for (const [name, url] of [
    ['edition page', editionPath],
    ['archive index', '/archive'],
  ] as const) {
    const page = await fetch(bench.baseUrl + url);
    if (page.status !== 200) throw new Error(`${url} answered ${page.status}`);
    const bytes = Buffer.from(await page.arrayBuffer());
    const file = `${name.replace(/\W+/g, '-')}.html`;
    await writeFile(path.join(staticDir, file), bytes);
    const staticRun = await measure(`static file (${Math.round(bytes.length / 1024)} kB)`, {
      url: `${bench.baseUrl}/bench-static/${file}`,
      connections: 50,
      duration: 5,
    });
    const appRun = await measure(`${name} ${url}`, { url: bench.baseUrl + url, connections: 50, duration: 5 });
    rows.push({ name, bytes: bytes.length, staticRun, appRun });
  }
  process.stdout.write('\nscenario                                   req/s   p99 ms  ratio to static\n');
  for (const row of rows) {
    process.stdout.write(`${row.staticRun.name.padEnd(42)} ${String(row.staticRun.requestsPerSecond).padStart(6)}  ${String(row.staticRun.p99).padStart(6)}\n`);
    process.stdout.write(
      `${row.appRun.name.padEnd(42)} ${String(row.appRun.requestsPerSecond).padStart(6)}  ${String(row.appRun.p99).padStart(6)}  ${(row.appRun.requestsPerSecond / row.staticRun.requestsPerSecond).toFixed(2)}\n`,
    );
  }
} finally {
  await database.close();
  await bench.close();
}
