// Every route of the app, taken from Fastify's own route table as it is built, gets a seeded set
// of hostile requests as the owner, an editor and an anonymous visitor. None may answer 5xx, show
// a stack trace or driver text, or write anything when it refuses the request.
// FUZZ_SEED replays another seed, FUZZ_ROUNDS sends more requests per route and actor, and
// FUZZ_VERBOSE lists the routes no request got past the first checks of.
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { User } from '../../../apps/domain/platform/types.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { OWNER, TestClient } from '../../helpers/client.ts';
import { hostileRequest, seededRandom, type Random } from '../../helpers/fuzz.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261101);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 16);

// Tables whose rows a refused request must leave alone. Sessions (renewed as they are used),
// rate-limit counters (a refused sign-in counts) and link checks (started when the editor of a
// published edition is shown, whatever else the request did) change on purpose.
const WATCHED_TABLES = [
  'users',
  'api_tokens',
  'invitations',
  'settings',
  'categories',
  'editions',
  'links',
  'subscribers',
  'subscription_events',
  'sends',
  'deliveries',
  'subscriber_imports',
  'edition_imports',
];

// Stack frames, and what PostgreSQL, pg and drizzle put in their messages.
const INTERNALS =
  /\bat .+\.(ts|js):\d+|node_modules|Failed query|invalid input syntax|violates .* constraint|syntax error at or near|duplicate key value|invalid byte sequence|DrizzleQueryError|\bPostgresError\b|relation "[a-z_]+"|column "[a-z_]+"/i;

/** Counts the rows written to the watched tables, through triggers of this test's database only. */
async function watchWrites(testApp: TestApp): Promise<() => Promise<{ count: number; lastTable: string }>> {
  const { pool } = testApp.database;
  await pool.query(`CREATE TABLE fuzz_writes (n bigint NOT NULL, last_table text); INSERT INTO fuzz_writes VALUES (0, NULL);
    CREATE FUNCTION fuzz_count_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE fuzz_writes SET n = n + 1, last_table = TG_OP || ' ' || TG_TABLE_NAME; RETURN NULL; END $$;`);
  for (const table of WATCHED_TABLES) {
    await pool.query(`CREATE TRIGGER fuzz_count_write AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION fuzz_count_write()`);
  }
  return async () => {
    const { n, last_table: lastTable } = (await pool.query('SELECT n, last_table FROM fuzz_writes')).rows[0];
    return { count: Number(n), lastTable: String(lastTable) };
  };
}

/** The data routes need to get past their 404s: users, categories, links, two editions and a send, readers, imports, tokens. */
async function createFixtures({ services }: TestApp) {
  const owner = await services.accounts.setUpOwner(OWNER);
  const editor = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'camille@example.org',
    name: 'Camille',
    password: OWNER.password,
    role: 'editor',
  });
  const categories = [await services.categories.create({ name: 'Time Series' }), await services.categories.create({ name: 'Ops' })];
  const links = [];
  for (const [index, url] of [
    'https://example.org/tsdb',
    'https://example.org/k8s',
    'https://example.org/sql',
    'https://example.org/draft',
    'https://example.org/inbox',
  ].entries()) {
    links.push(
      (
        await services.links.add({
          actor: owner,
          input: { url, title: `Link ${index}`, commentary: 'A *good* read.', tags: 'data, ops', categoryId: categories[index % 2]!.id },
        })
      ).link,
    );
  }
  const published = await services.editions.ensureDraft({ period: '2026-10' });
  await services.editions.addLinks({ id: published.period, linkIds: links.slice(0, 3).map((link) => link.id) });
  await services.editions.update({
    period: published.period,
    input: { version: (await services.editions.find({ period: published.period })).version, tags: 'data, ops', intro: 'Hello.' },
  });
  const row = await services.editions.publish({ period: published.period });
  const draft = await services.editions.ensureDraft({ period: '2026-11' });
  await services.editions.addLinks({ id: draft.period, linkIds: [links[3]!.id] });
  const reader = await services.subscribers.add({ email: 'reader@example.org', actor: owner });
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'home', ip: '127.0.0.1' });
  const pending = (await services.subscribers.list({ status: 'pending', actor: OPERATOR })).rows[0]!;
  await services.delivery.start({ period: published.period, actor: owner });
  const invitation = await services.accounts.invite({ actor: owner, email: 'new@example.org', role: 'editor' });
  const [invitationRow] = await services.accounts.listPendingInvitations({ actor: OPERATOR });
  const webhook = await services.webhooks.create({ actor: owner, url: 'https://hooks.example.org/veille', events: ['edition.sent'] });
  const subscriberImport = await services.subscribers.previewImport({
    content: Buffer.from('email\nimported@example.org\n'),
    filename: 'readers.csv',
    actor: owner,
  });
  const markdown = await readFile(new URL('../../fixtures/samples/web-ops-iot-et-time-series-juin-2024.md', import.meta.url));
  const editionImport = await services.imports.prepare({ actor: owner, source: { kind: 'upload', filename: 'juin-2024.md', bytes: markdown } });
  const outbox = await services.outbox.list({ actor: OPERATOR });
  const [, year, part, slug] = editionPath(row).split('/');
  const linkIds = links.map((link) => link.id);
  const periods = [published.period, draft.period];
  const values: Record<string, string[]> = {
    linkId: linkIds,
    period: periods,
    year: [year!],
    part: [part!],
    slug: [slug!],
    tag: ['data', 'ops'],
    file: outbox.map((entry) => entry.file),
    token: [new URL(invitation.link).pathname.split('/').pop()!],
    confirmToken: [services.subscribers.tokens.issue('confirm', pending.id)],
    unsubscribeToken: [new URL(services.subscribers.unsubscribeUrl({ subscriberId: reader.id })).searchParams.get('token')!],
    // Fields and query parameters.
    ids: linkIds,
    categoryId: categories.map((category) => category.id),
    category: [...categories.map((category) => category.id), 'Ops', 'none'],
    parentId: linkIds,
    beforeId: linkIds,
    afterId: linkIds,
    next: ['/admin/team', '/admin/inbox?tag=data'],
    q: ['data', 'read'],
    page: ['1', '2'],
    status: ['inbox', 'all', 'active', 'pending', 'published'],
    url: ['https://example.org/new-article', 'https://example.org/tsdb'],
    title: ['Un titre'],
    commentary: ['Une *lecture* utile.'],
    field: ['title', 'commentary'],
    popup: ['1'],
    version: ['1', '2', '3'],
    email: ['someone@example.org', 'reader@example.org', OWNER.email],
    password: [OWNER.password],
    name: ['Nouvelle catégorie', 'Camille'],
    role: ['editor', 'owner'],
    archived: ['true', 'false'],
    action: ['move', 'tag', 'delete'],
    locale: ['fr', 'en'],
    timeZone: ['Europe/Paris'],
    cadence: ['monthly', 'weekly'],
    scheduledAt: ['2099-01-01T10:00'],
    slugField: ['novembre-2026'],
    tags: ['data, ops'],
    provider: ['postmark', 'mailgun', 'sendgrid', 'ses'],
    events: ['edition.sent', 'subscriber.confirmed'],
  };
  // An id in a path names a row of the route's own feature.
  const ids: Array<[RegExp, string[]]> = [
    [/^\/(admin|api\/v1)\/links/, linkIds],
    [/^\/admin\/categories/, categories.map((category) => category.id)],
    [/^\/admin\/subscribers\/import/, [subscriberImport.id]],
    [/^\/(admin|api\/v1)\/subscribers/, [reader.id, pending.id]],
    [/^\/admin\/team\/invitations/, [invitationRow!.id]],
    [/^\/admin\/team\/users/, [editor.id, owner.id]],
    [/^\/admin\/import/, [editionImport.id]],
    [/^\/admin\/account\/tokens/, []],
    [/^\/(admin|api\/v1)\/webhooks/, [webhook.id]],
  ];
  return { owner, editor, values, ids };
}

type Actor = { name: 'owner' | 'editor' | 'anonymous'; user?: User; cookie?: string; csrf?: string; token?: string; tokenId?: string };

test('every route answers hostile requests with 4xx at worst, without internals, writing nothing when it refuses', async (t) => {
  const routes: Array<{ method: string; url: string; preSession: boolean }> = [];
  const testApp = await buildTestApp(t, {
    onRoute: (route) => {
      for (const method of [route.method].flat())
        if (method !== 'HEAD') routes.push({ method, url: route.url, preSession: route.config?.csrf === 'pre-session' });
    },
  });
  const { app, services } = testApp;
  const fixtures = await createFixtures(testApp);
  const writes = await watchWrites(testApp);

  // Forms posted before sign-in carry the token their page sets with its cookie: one pair for everyone.
  const visitor = new TestClient(app);
  const preSessionToken = await visitor.csrfToken('/login');
  const preSessionCookie = [...visitor.cookies].map(([name, value]) => `${name}=${value}`).join('; ');

  const actors: Actor[] = [{ name: 'owner', user: fixtures.owner }, { name: 'editor', user: fixtures.editor }, { name: 'anonymous' }];
  /** Signs the owner and the editor in again when a request signed them out, removed or demoted them. */
  async function refreshActors(): Promise<void> {
    for (const actor of actors) {
      if (!actor.user) continue;
      const sessionId = actor.cookie?.split('=')[1];
      const live = sessionId ? await services.auth.authenticateSession({ sessionId }) : undefined;
      const tokenLive = actor.token
        ? await services.auth.authenticateToken({ token: actor.token }).then(
            () => true,
            () => false,
          )
        : false;
      if (live && live.user.role === actor.name && tokenLive) continue;
      let user = (await services.accounts.listUsers()).find((candidate) => candidate.email === actor.user!.email);
      if (!user)
        user = await services.accounts.createUser({
          actor: OPERATOR,
          email: actor.user.email,
          name: actor.user.name,
          password: OWNER.password,
          role: actor.name,
        });
      else if (user.role !== actor.name) user = await services.accounts.changeRole({ actor: fixtures.owner, userId: user.id, role: actor.name });
      actor.user = user;
      const session = await services.auth.openSession({ userId: user.id, ip: '127.0.0.1' });
      actor.cookie = `veille_session=${session.sessionId}`;
      actor.csrf = session.csrfToken;
      const token = await services.auth.createApiToken({ actor: user, name: 'fuzz' });
      actor.token = token.token;
      actor.tokenId = (await services.auth.listApiTokens({ actor: user }))[0]?.id;
    }
  }

  const random: Random = seededRandom(SEED);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  // Routes that answered something else than a refusal at least once: the fuzz got past their checks.
  const reached = new Set<string>();
  let sent = 0;
  const started = performance.now();
  const timings: Array<[string, number]> = [];
  for (const route of routes) {
    const routeStarted = performance.now();
    await refreshActors();
    for (const actor of actors) {
      const real = (name: string): string | undefined => {
        // A few names mean something else on some routes: the token of a confirmation or an unsubscribe link, an edition's slug field.
        const alias =
          name === 'slug' && !route.url.includes(':slug')
            ? 'slugField'
            : name === 'token' && route.url.startsWith('/subscribe/confirm')
              ? 'confirmToken'
              : name === 'token' && route.url.startsWith('/unsubscribe')
                ? 'unsubscribeToken'
                : name;
        let pool = fixtures.values[alias];
        if (name === 'id')
          pool = route.url.startsWith('/admin/account/tokens') ? [actor.tokenId ?? ''] : fixtures.ids.find(([prefix]) => prefix.test(route.url))?.[1];
        if (name === '*')
          pool = route.url.includes('sortable')
            ? ['Sortable.min.js']
            : route.url.includes('htmx')
              ? ['htmx.min.js']
              : ['css/app.css', 'js/app.js', 'favicon.svg'];
        return pool && pool.length > 0 ? random.pick(pool) : undefined;
      };
      for (let round = 0; round < ROUNDS; round++) {
        const csrf = route.preSession ? preSessionToken : actor.csrf;
        const request = hostileRequest(random, route, real, csrf);
        const { headers } = request;
        const cookies = [random.chance(0.95) ? actor.cookie : undefined, route.preSession ? preSessionCookie : undefined].filter(Boolean);
        if (cookies.length > 0) headers.cookie = cookies.join('; ');
        if (csrf && !('x-csrf-token' in headers) && random.chance(0.9)) headers['x-csrf-token'] = csrf;
        if (actor.token && route.url.startsWith('/api/') && random.chance(0.9)) headers.authorization = `Bearer ${actor.token}`;
        const options: InjectOptions = { ...request, remoteAddress: `10.${random.int(250)}.${random.int(250)}.${1 + random.int(250)}` };
        const before = await writes();
        const response = await app.inject(options);
        sent += 1;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode < 400 || response.statusCode === 409 || response.statusCode === 422) reached.add(`${route.method} ${route.url}`);
        const label = `${actor.name} ${request.method} ${request.url.slice(0, 120)} [${String(headers['content-type'] ?? '').slice(0, 60)}] -> ${response.statusCode}`;
        if (response.statusCode >= 500) failures.push(`${label}: ${response.body.slice(0, 200)}`);
        else if (INTERNALS.test(response.body)) failures.push(`${label}: internals in the body: ${INTERNALS.exec(response.body)![0]}`);
        else if (response.statusCode >= 400) {
          const after = await writes();
          if (after.count !== before.count) failures.push(`${label}: refused but wrote ${after.count - before.count} rows (the last: ${after.lastTable})`);
        }
        if (/\/(logout|role|remove|password|revoke)$/.test(route.url)) await refreshActors();
      }
    }
    timings.push([`${route.method} ${route.url}`, performance.now() - routeStarted]);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.diagnostic(`fuzz: ${sent} requests to ${routes.length} routes as owner, editor and anonymous in ${seconds} s (seed ${SEED}), ${failures.length} failures`);
  t.diagnostic(
    `fuzz: answers ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ')}; ${reached.size} routes answered past their checks`,
  );
  if (process.env.FUZZ_VERBOSE)
    t.diagnostic(
      `fuzz: slowest routes: ${timings
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([route, ms]) => `${route} ${Math.round(ms)} ms`)
        .join(', ')}`,
    );
  if (process.env.FUZZ_VERBOSE)
    t.diagnostic(
      `fuzz: never past their checks: ${routes
        .map((route) => `${route.method} ${route.url}`)
        .filter((route) => !reached.has(route))
        .join(', ')}`,
    );
  assert.ok(routes.length > 100, `the route table was read (${routes.length} routes)`);
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} failures`);
});
