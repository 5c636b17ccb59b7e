// Link curation with a large history: 100,000 links, 120 published editions, an inbox of a busy
// month (300 links in 12 categories by default; BENCH_INBOX_LINKS changes it). The app runs as
// `npm start` runs it (its own process: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=..." profiles
// it). Measures the inbox page, searches (admin and public), a quick-add and a reorder as an
// editor's browser sends them (session cookie, CSRF header, htmx), one after another from a client
// in its own process after a second's warm-up (latency.ts), with the health check in the same run
// as the baseline; then the inbox again once all but 100 of its links have gone into an
// edition (100 links among 100,000); and shows how PostgreSQL runs the prefix searches (EXPLAIN
// ANALYZE) on the 100,000 links.
// Goal: the inbox page, its htmx search and the inbox of 100 links among 100,000 at p95 <= 10 ms.
import { connectDatabase } from '../../db/client.ts';
import { searchTsqueryText } from '../../db/repositories/search-query.ts';
import { report, startBenchRuntime, type Measured } from './harness.ts';
import { startLatencyClient, type RequestSpec } from './latency.ts';
import { printTable, startWebProcess } from './processes.ts';
import { seedLinkHistory } from './seed.ts';
import { sql } from '../helpers/sql.ts';

const TOTAL_LINKS = 100_000;
const EDITIONS = 120;
const INBOX_LINKS = Number(process.env.BENCH_INBOX_LINKS ?? 300);
const SMALL_INBOX = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const GOAL_P95_MS = 10;
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

const bench = await startBenchRuntime();
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
const stops: Array<() => Promise<void>> = [];
try {
  const services = bench.runtime.services;
  const owner = await services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });
  const categoryIds = [];
  for (const name of CATEGORIES) categoryIds.push((await services.categories.create({ name })).id);

  const seeding = performance.now();
  await seedLinkHistory(database.pool, { total: TOTAL_LINKS, editions: EDITIONS, inbox: INBOX_LINKS, categoryIds, ownerId: owner.id, words: WORDS });
  process.stdout.write(`seeded ${TOTAL_LINKS} links (${INBOX_LINKS} in the inbox) and ${EDITIONS} editions in ${Math.round(performance.now() - seeding)} ms\n`);

  const web = await startWebProcess(bench.runtime.databaseUrl, { SESSION_SECRET: bench.config.sessionSecret, DATA_DIR: bench.dataDir });
  stops.push(web.stop);
  const baseUrl = web.baseUrl;

  // Sign in as a browser does: the form's page gives the pre-session cookie and its token.
  const cookiesOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((value) => value.split(';')[0])
      .join('; ');
  const loginPage = await fetch(`${baseUrl}/login`);
  const loginToken = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())![1]!;
  const login = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { cookie: cookiesOf(loginPage) },
    body: new URLSearchParams({ _csrf: loginToken, email: 'bench@example.org', password: 'bench passphrase long enough' }),
    redirect: 'manual',
  });
  if (login.status !== 303 && login.status !== 302) throw new Error(`sign-in answered ${login.status}`);
  const cookie = cookiesOf(login);
  const page = await (await fetch(`${baseUrl}/admin/inbox`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const htmx = { cookie, 'x-csrf-token': csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' };
  const inboxIds = (await database.pool.query<{ id: string }>(sql`SELECT id FROM links WHERE edition_id IS NULL ORDER BY position LIMIT 50`)).rows.map(
    (row) => row.id,
  );

  const client = await startLatencyClient();
  stops.push(client.stop);
  const get = (path: string, headers: Record<string, string> = {}): RequestSpec => ({ url: `${baseUrl}${path}`, headers: { cookie, ...headers } });
  const post = (path: string, body: Record<string, string>): RequestSpec => ({
    url: `${baseUrl}${path}`,
    method: 'POST',
    headers: htmx,
    body: new URLSearchParams(body).toString(),
  });
  const searchIn = (q: string) => get(`/admin/inbox?q=${encodeURIComponent(q)}`, { 'hx-request': 'true', 'hx-target': 'inbox-list' });

  // One editor's requests, one after another: the latency a person feels. Throughput is not the
  // question for an admin screen used by a handful of editors.
  const options = { durationMs: SECONDS * 1000 };
  const measureLatency = (name: string, requests: RequestSpec | RequestSpec[]) => client.measure(name, requests, options);
  const baseline = await measureLatency('GET /healthz (baseline)', get('/healthz'));
  const inbox = await measureLatency(`GET /admin/inbox (${INBOX_LINKS} links in ${CATEGORIES.length} categories)`, get('/admin/inbox'));
  const searches = [await measureLatency('search "polars" (htmx)', searchIn('polars')), await measureLatency('search "htm" (htmx, a prefix)', searchIn('htm'))];
  const publicSearch = await measureLatency('public search "postgres"', get('/search?q=postgres'));

  // How the searches run on the whole table (the GIN index, or not), printed after the figures.
  let plans = '';
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
    plans += `\nEXPLAIN search "${q}" in ${label}:\n${plan.rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n')}\n`;
  }

  // The same history with a quieter month: every inbox link but the first 100 goes into the last edition.
  await database.pool.query(sql`
    UPDATE links SET edition_id = (SELECT id FROM editions ORDER BY period DESC LIMIT 1)
    WHERE edition_id IS NULL AND position > ${SMALL_INBOX}`);
  await database.pool.query(sql`ANALYZE links`);
  const smallInbox = await measureLatency(`GET /admin/inbox (${SMALL_INBOX} links among ${TOTAL_LINKS})`, get('/admin/inbox'));

  // Writes last: each quick-add puts one more link in the inbox (a new address each time), each
  // reorder moves one of the first 50 between two others.
  const quickAdds = Array.from({ length: 5000 }, (_, i) =>
    post('/admin/links', { url: `https://new.example/post/${i}-${Math.random().toString(36).slice(2)}` }),
  );
  const moves = Array.from({ length: inboxIds.length }, (_, i) =>
    post(`/admin/links/${inboxIds[(i * 7) % inboxIds.length]}/move`, { beforeId: inboxIds[i]!, afterId: inboxIds[(i + 1) % inboxIds.length]! }),
  );
  const writes = [await measureLatency('quick-add (htmx)', quickAdds), await measureLatency('reorder (drag and drop)', moves)];
  process.stdout.write('\n');
  report([baseline, inbox, ...searches, publicSearch, smallInbox, ...writes], baseline);

  const goal = (name: string, row: Measured) => [name, String(row.p50), String(row.p95), String(row.p99), row.p95 <= GOAL_P95_MS ? 'met' : 'MISSED'];
  process.stdout.write(`\ngoal: p95 <= ${GOAL_P95_MS} ms, one editor\n`);
  printTable([
    ['goal row', 'p50 ms', 'p95 ms', 'p99 ms', ''],
    goal(`inbox page, ${INBOX_LINKS} links in ${CATEGORIES.length} categories`, inbox),
    ...searches.map((row) => goal(`htmx search in that inbox: ${row.name.split(' (')[0]}`, row)),
    goal(`inbox page, ${SMALL_INBOX} links among ${TOTAL_LINKS}`, smallInbox),
  ]);
  process.stdout.write(plans);
} finally {
  for (const stop of stops.reverse()) await stop();
  await database.close();
  await bench.close();
}
