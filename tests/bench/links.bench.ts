// Link curation with a large history: 100,000 links, 120 published editions, an inbox of a busy
// month (300 links in 12 categories by default; BENCH_INBOX_LINKS changes it). Measures the inbox
// page, searches (admin and public), a quick-add and a reorder as an editor's browser sends them
// (session cookie, CSRF header, htmx), with the health check in the same run as the baseline; and
// shows how PostgreSQL runs the prefix searches (EXPLAIN ANALYZE) on the 100,000 links.
import { connectDatabase } from '../../db/client.ts';
import { searchTsqueryText } from '../../db/repositories/search-query.ts';
import { measureLatency, report, startBenchApp } from './harness.ts';
import { sql } from '../helpers/sql.ts';

const TOTAL_LINKS = 100_000;
const EDITIONS = 120;
const INBOX_LINKS = Number(process.env.BENCH_INBOX_LINKS ?? 300);
const CATEGORIES = ['API', 'Cloud', 'Container & Orchestration', 'Data', '(No)SQL', 'DevOps', 'IoT', 'Ops', 'Python', 'Security', 'Time Series', 'Web'];
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

  // Sign in as a browser does: the form's page gives the pre-session cookie and its token.
  const cookiesOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((value) => value.split(';')[0])
      .join('; ');
  const loginPage = await fetch(`${bench.baseUrl}/login`);
  const loginToken = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())![1]!;
  const login = await fetch(`${bench.baseUrl}/login`, {
    method: 'POST',
    headers: { cookie: cookiesOf(loginPage) },
    body: new URLSearchParams({ _csrf: loginToken, email: 'bench@example.org', password: 'bench passphrase long enough' }),
    redirect: 'manual',
  });
  if (login.status !== 303 && login.status !== 302) throw new Error(`sign-in answered ${login.status}`);
  const cookie = cookiesOf(login);
  const page = await (await fetch(`${bench.baseUrl}/admin/inbox`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const htmx = { cookie, 'x-csrf-token': csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' };
  const inboxIds = (await database.pool.query<{ id: string }>(sql`SELECT id FROM links WHERE edition_id IS NULL ORDER BY position LIMIT 50`)).rows.map(
    (row) => row.id,
  );

  // Anything but the page itself (a redirect to sign-in, an error) stops the run: it would measure nothing useful.
  const get =
    (path: string, headers: Record<string, string> = {}) =>
    async () => {
      const response = await fetch(`${bench.baseUrl}${path}`, { headers: { cookie, ...headers }, redirect: 'manual' });
      await response.arrayBuffer();
      return response.status === 200 ? 200 : 500 + response.status;
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
    await measureLatency('search "polars" (htmx)', get('/admin/inbox?q=polars', { 'hx-request': 'true', 'hx-target': 'inbox-list' }), options),
    await measureLatency('search "htm" (htmx, a prefix)', get('/admin/inbox?q=htm', { 'hx-request': 'true', 'hx-target': 'inbox-list' }), options),
    await measureLatency('public search "postgres"', get('/search?q=postgres'), options),
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

  // How the searches run on the whole table: the GIN index, or not.
  for (const [label, where, q] of [
    ['inbox', 'edition_id IS NULL', 'htm'],
    ['everything (the API with status=all)', 'true', 'postgres'],
    ['everything, two words', 'true', 'donnees kube'],
  ] as const) {
    const tsquery = searchTsqueryText(q)!;
    const plan = await database.pool.query<{ 'QUERY PLAN': string }>({
      text: `EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM links WHERE deleted_at IS NULL AND parent_id IS NULL AND ${where} AND search @@ ${tsquery.sql}
             ORDER BY ts_rank_cd(search, ${tsquery.sql}) DESC, created_at DESC, id DESC LIMIT 51`,
      values: tsquery.params,
    });
    process.stdout.write(`\nEXPLAIN search "${q}" in ${label}:\n${plan.rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n')}\n`);
  }
} finally {
  await database.close();
  await bench.close();
}
