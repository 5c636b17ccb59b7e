// Link curation with a large history: 100,000 links, 120 published editions, an inbox of a busy
// month (100 links in 10 categories by default; BENCH_INBOX_LINKS changes it). Measures the inbox page, a search, a quick-add and a
// reorder as an editor's browser sends them (session cookie, CSRF header, htmx), with the health
// check in the same run as the baseline.
import { connectDatabase } from '../../db/client.ts';
import { measureLatency, report, startBenchApp } from './harness.ts';
import { sql } from '../helpers/sql.ts';

const TOTAL_LINKS = 100_000;
const EDITIONS = 120;
const INBOX_LINKS = Number(process.env.BENCH_INBOX_LINKS ?? 100);
const CATEGORIES = ['API', 'Cloud', 'Container & Orchestration', 'Data', '(No)SQL', 'DevOps', 'IoT', 'Ops', 'Python', 'Web'];
const WORDS = [
  'données',
  'postgres',
  'kubernetes',
  'polars',
  'caddy',
  'htmx',
  'fastapi',
  'parquet',
  'warp10',
  'grafana',
  'timescale',
  'rust',
  'python',
  'docker',
  'traefik',
  'kafka',
  'redis',
  'elastic',
  'influxdb',
  'prometheus',
];

const bench = await startBenchApp();
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
try {
  const services = bench.runtime.services;
  const owner = await services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });
  const categories = [];
  for (const name of CATEGORIES) categories.push(await services.categories.create({ name }));

  const seeding = performance.now();
  // Editions 2016-01 … 2025-12, published; links spread over them, the rest in the inbox.
  await database.pool.query(sql`
    INSERT INTO editions (period, title, slug, status, published_at, intro)
    SELECT to_char(d, 'YYYY-MM'), 'Web, Ops & Data - ' || to_char(d, 'YYYY-MM'), 'edition-' || to_char(d, 'YYYY-MM'), 'published', d + interval '27 days', 'Intro'
    FROM generate_series('2016-01-01'::date, '2016-01-01'::date + interval '1 month' * ${EDITIONS - 1}, interval '1 month') AS d`);
  const words = [...WORDS];
  const categoryIds = categories.map((category) => category.id);
  await database.pool.query(sql`
    INSERT INTO links (url, normalized_url, title, commentary, commentary_html, category_id, edition_id, position, fetch_status, created_by, created_at)
    SELECT 'https://site' || (i % 5000) || '.example/article/' || i,
           'https://site' || (i % 5000) || '.example/article/' || i,
           initcap((${words}::text[])[1 + i % 20]) || ' et ' || (${words}::text[])[1 + (i / 20) % 20] || ' : article ' || i,
           'Un article sur ' || (${words}::text[])[1 + (i / 7) % 20] || ' avec des données et des exemples, numéro ' || i || '.',
           'Un article sur ' || (${words}::text[])[1 + (i / 7) % 20] || ' avec des données et des exemples, numéro ' || i || '.',
           (${categoryIds}::uuid[])[1 + i % ${categories.length}],
           CASE WHEN i <= ${INBOX_LINKS} THEN NULL ELSE (SELECT id FROM editions ORDER BY period OFFSET (i % ${EDITIONS}) LIMIT 1) END,
           i, 'ok', ${owner.id}, now() - (i || ' minutes')::interval
    FROM generate_series(1, ${TOTAL_LINKS}) AS i`);
  await database.pool.query(sql`ANALYZE`);
  process.stdout.write(`seeded ${TOTAL_LINKS} links (${INBOX_LINKS} in the inbox) and ${EDITIONS} editions in ${Math.round(performance.now() - seeding)} ms\n`);

  // Sign in as a browser does, and read the CSRF token from a page.
  const login = await fetch(`${bench.baseUrl}/login`, {
    method: 'POST',
    body: new URLSearchParams({ email: 'bench@example.org', password: 'bench passphrase long enough' }),
    redirect: 'manual',
  });
  const cookie = login.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
  const page = await (await fetch(`${bench.baseUrl}/admin/inbox`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const htmx = { cookie, 'x-csrf-token': csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' };
  const inboxIds = (await database.pool.query<{ id: string }>(sql`SELECT id FROM links WHERE edition_id IS NULL ORDER BY position LIMIT 50`)).rows.map(
    (row) => row.id,
  );

  const get =
    (path: string, headers: Record<string, string> = {}) =>
    async () => {
      const response = await fetch(`${bench.baseUrl}${path}`, { headers: { cookie, ...headers } });
      await response.arrayBuffer();
      return response.status;
    };
  const post = (path: (i: number) => string, body: (i: number) => Record<string, string>) => async (i: number) => {
    const response = await fetch(`${bench.baseUrl}${path(i)}`, { method: 'POST', headers: htmx, body: new URLSearchParams(body(i)) });
    await response.arrayBuffer();
    return response.status;
  };

  // One editor's requests, one after another: the latency a person feels. Throughput is not the
  // question for an admin screen used by a handful of editors.
  const options = { concurrency: 1, durationMs: 5000 };
  const rows = [
    await measureLatency('GET /healthz (baseline)', get('/healthz'), options),
    await measureLatency(`GET /admin/inbox (${INBOX_LINKS} links)`, get('/admin/inbox'), options),
    await measureLatency('search "polars" (htmx, 200 best)', get('/admin/inbox?q=polars', { 'hx-request': 'true', 'hx-target': 'inbox-list' }), options),
    await measureLatency(
      'quick-add (htmx)',
      post(
        () => '/admin/links',
        (i) => ({ url: `https://new.example/post/${i}-${Math.random().toString(36).slice(2)}` }),
      ),
      options,
    ),
    await measureLatency(
      'reorder (drag and drop)',
      post(
        (i) => `/admin/links/${inboxIds[(Math.abs(i) * 7) % inboxIds.length]}/move`,
        (i) => ({ beforeId: inboxIds[Math.abs(i) % inboxIds.length]!, afterId: inboxIds[(Math.abs(i) + 1) % inboxIds.length]! }),
      ),
      options,
    ),
  ];
  process.stdout.write('\n');
  report(rows, rows[0]);
} finally {
  await database.close();
  await bench.close();
}
