// An editor's round (add a link, then load the inbox: 300 links in 12 categories) while 200
// readers load the public site, against the same round with no reader, in the same run. The app
// runs as `npm start` runs it (its own process), the readers' load in a second process
// (autocannon -c200 over the home page, an edition, the archive and the feed), the editor's
// requests from this one, one after another as a person's browser sends them.
// Goal: the round's p99 under load at most 500 ms, and no error.
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { connectDatabase } from '../../db/client.ts';
import { sql } from '../helpers/sql.ts';
import { startBenchRuntime } from './harness.ts';
import { printTable, startLoadGenerator, startWebProcess } from './processes.ts';
import { seedPublishedEditions } from './seed.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const READERS = 200;
const INBOX_LINKS = 300;
const CATEGORIES = 12;
const GOAL = { p99Ms: 500, errors: 0 };

/** The value at fraction `q` of sorted `values`. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const bench = await startBenchRuntime();
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
const load = await startLoadGenerator();
const stops: Array<() => Promise<void>> = [];
try {
  const services = bench.runtime.services;
  const owner = await services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });
  await services.settings.update({ actor: OPERATOR, input: { newsletterName: 'Web, Ops & Data', locale: 'fr', timeZone: 'Europe/Paris' } });
  const categoryIds = [];
  for (let index = 1; index <= CATEGORIES; index++) categoryIds.push((await services.categories.create({ name: `Catégorie ${index}` })).id);
  await seedPublishedEditions(database.pool, { count: 120, linksPerEdition: 40, categoryIds });
  await database.pool.query(sql`
    INSERT INTO links (url, normalized_url, title, commentary, commentary_html, category_id, position, fetch_status, created_by)
    SELECT 'https://inbox.example/' || i, 'https://inbox.example/' || i, 'Un lien à trier numéro ' || i,
           'Pourquoi il vaut la lecture, en deux phrases. Et ce qu''il apporte.', '<p>Pourquoi il vaut la lecture, en deux phrases. Et ce qu''il apporte.</p>',
           (${categoryIds}::uuid[])[1 + i % ${CATEGORIES}], i, 'ok', ${owner.id}
    FROM generate_series(1, ${INBOX_LINKS}) AS i`);
  await database.pool.query(sql`ANALYZE`);
  const edition = (
    await database.pool.query<{ path: string }>(
      sql`SELECT '/' || substr(period, 1, 4) || '/' || substr(period, 6, 2) || '/' || slug AS path FROM editions ORDER BY period DESC LIMIT 1`,
    )
  ).rows[0]!.path;

  const web = await startWebProcess(bench.runtime.databaseUrl, { SESSION_SECRET: bench.config.sessionSecret, DATA_DIR: bench.dataDir });
  stops.push(web.stop);
  const check = await fetch(web.baseUrl + edition);
  if (check.status !== 200) throw new Error(`${edition} answered ${check.status}`);

  // Sign in as a browser does: the sign-in page's cookie and token, then the session's token from a page.
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((value) => value.split(';')[0]);
  const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const form = await fetch(`${web.baseUrl}/login`);
  const preSession = cookiesOf(form).join('; ');
  const login = await fetch(`${web.baseUrl}/login`, {
    method: 'POST',
    headers: { cookie: preSession, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: tokenOf(await form.text()) ?? '', email: 'bench@example.org', password: 'bench passphrase long enough' }),
    redirect: 'manual',
  });
  if (login.status !== 303) throw new Error(`sign-in answered ${login.status}`);
  const cookie = cookiesOf(login).join('; ');
  const inbox = await fetch(`${web.baseUrl}/admin/inbox`, { headers: { cookie }, redirect: 'manual' });
  const csrf = tokenOf(await inbox.text());
  if (inbox.status !== 200 || !csrf) throw new Error(`no CSRF token on the inbox (${inbox.status})`);

  let added = 0;
  // What the failed rounds answered (add/inbox status), for the report.
  const failures = new Map<string, number>();
  /** Rounds one after another for `ms`: their durations and how many failed. */
  async function rounds(ms: number): Promise<{ durations: number[]; errors: number }> {
    const durations: number[] = [];
    let errors = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const started = performance.now();
      try {
        const add = await fetch(`${web.baseUrl}/admin/links`, {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrf!, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ url: `https://new.example/post/${++added}` }),
        });
        await add.arrayBuffer();
        const page = await fetch(`${web.baseUrl}/admin/inbox`, { headers: { cookie }, redirect: 'manual' });
        await page.arrayBuffer();
        if (add.status >= 400 || page.status !== 200) {
          errors++;
          failures.set(`${add.status}/${page.status}`, (failures.get(`${add.status}/${page.status}`) ?? 0) + 1);
        }
      } catch {
        errors++;
      }
      durations.push(performance.now() - started);
    }
    return { durations, errors };
  }

  const quiet = await rounds(SECONDS * 1000);
  const readers = load.run({
    url: web.baseUrl,
    connections: READERS,
    duration: SECONDS + 2,
    requests: [{ path: '/' }, { path: edition }, { path: '/archive' }, { path: '/feed.xml' }],
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const busy = await rounds(SECONDS * 1000);
  const readersResult = await readers;

  const row = (name: string, result: { durations: number[]; errors: number }) => [
    name,
    String(result.durations.length),
    quantile(result.durations, 0.5).toFixed(0),
    quantile(result.durations, 0.99).toFixed(0),
    String(result.errors),
  ];
  process.stdout.write(
    `\nreaders: ${READERS} connections, ${readersResult.requestsPerSecond} req/s, p99 ${readersResult.p99} ms, ${readersResult.non2xx} not 2xx, ${readersResult.errors} errors\n`,
  );
  if (failures.size > 0) process.stdout.write(`failed rounds (add/inbox status): ${JSON.stringify(Object.fromEntries(failures))}\n`);
  printTable([
    ['editor round (add a link, load the inbox)', 'rounds', 'p50 ms', 'p99 ms', 'errors'],
    row('no reader (reference)', quiet),
    row(`${READERS} readers loading the site`, busy),
  ]);
  const p99 = quantile(busy.durations, 0.99);
  const met = p99 <= GOAL.p99Ms && busy.errors <= GOAL.errors;
  process.stdout.write(
    `\ngoal: p99 <= ${GOAL.p99Ms} ms and ${GOAL.errors} errors under load: ${met ? 'met' : 'MISSED'} (p99 ${p99.toFixed(0)} ms, ${(p99 / Math.max(1, quantile(quiet.durations, 0.99))).toFixed(1)}x the quiet p99, ${busy.errors} errors)\n`,
  );
} finally {
  for (const stop of stops.reverse()) await stop();
  await load.stop();
  await database.close();
  await bench.close();
}
