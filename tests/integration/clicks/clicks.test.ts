import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildEditions } from '../../helpers/edition-app.ts';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const CLICK = /https?:\/\/veille\.test\/c\/[^"]+/g;

type StatsJson = {
  delivered: number;
  clicks: number;
  counting: boolean;
  links: Array<{ id: string; url: string; clicks: number; share: number | null }>;
};

/** The HTML part of every email written to the outbox for `to`. */
async function emailsTo(outboxDir: string, to: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of (await readdir(outboxDir)).sort()) {
    const raw = await readFile(path.join(outboxDir, file), 'utf8');
    if (!raw.includes(`To: ${to}`)) continue;
    found.push((await PostalMime.parse(raw)).html ?? '');
  }
  return found;
}

/** An app listening on a real port behind one trusted proxy (so each test reader has an address of its own), with a published edition of three links. */
async function withEdition(t: Parameters<typeof buildEditions>[0], period = '2024-06') {
  const clock = manualClock(new Date());
  const built = await buildEditions(t, { clock, env: { TRUST_PROXY: '1' } });
  const { services, app } = built;
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Ops' });
  const publish = async (at: string, titles: string[]) => {
    const ids: string[] = [];
    for (const title of titles) {
      const { link } = await services.links.add({
        actor: owner!,
        input: { url: `https://links.example/${at}/${title}`, title, commentary: 'À lire.', categoryId: category.id },
      });
      ids.push(link.id);
    }
    await services.editions.ensureDraft({ period: at });
    await services.editions.addLinks({ id: at, linkIds: ids });
    await services.editions.publish({ period: at });
    return ids;
  };
  const ids = await publish(period, ['caddy', 'traefik', 'docker']);
  for (const email of ['ada@example.org', 'grace@example.org', 'linus@example.org', 'ken@example.org'])
    await services.subscribers.add({ email, actor: OPERATOR });
  const send = async (at: string) => {
    const started = await services.delivery.start({ period: at, actor: OPERATOR });
    await services.delivery.run({ sendId: started.id });
    // Readers open the email after it was sent.
    clock.set(new Date(Date.now() + 60_000));
  };
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  /** Follows a click address over HTTP as a reader at `ip` would, without following the redirect. */
  const follow = (url: string, ip: string, init: { method?: string; userAgent?: string } = {}) =>
    fetch(url.replace('http://veille.test', origin), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { 'user-agent': init.userAgent ?? BROWSER, 'x-forwarded-for': ip },
    });
  const stats = async (at = period) => {
    const response = await built.call('GET', `/api/v1/editions/${at}/stats`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<StatsJson>();
  };
  const clicksOf = async (at = period) => (await stats(at)).links.map((link) => link.clicks);
  return { ...built, clock, ids, publish, send, follow, stats, clicksOf, origin };
}

test('the email links go through signed addresses that answer 302 to the page and count one click, the same for every reader', async (t) => {
  const testApp = await withEdition(t);
  const { send, follow, clicksOf, clock, outboxDir, database } = testApp;
  await send('2024-06');

  const [ada] = await emailsTo(outboxDir, 'ada@example.org');
  const [grace] = await emailsTo(outboxDir, 'grace@example.org');
  const links = [...new Set(ada!.match(CLICK))];
  assert.equal(links.length, 3, 'each of the three links has its counted address');
  assert.deepEqual([...new Set(grace!.match(CLICK))], links, 'every reader gets the same addresses: nothing in them says who');
  for (const link of links) assert.match(link, /^http:\/\/veille\.test\/c\/2024-06\/[0-9a-f]{8}\.[A-Za-z0-9_-]{16}$/);
  assert.doesNotMatch(ada!, /href="https:\/\/links\.example/, 'no link leads to its page directly');
  assert.match(ada!, /<a class="unsubscribe" href="http:\/\/veille\.test\/unsubscribe\?token=/, 'unsubscribe is not counted');
  assert.match(ada!, /<a href="http:\/\/veille\.test\/2024\/06\/[^"]+"[^>]*>Voir dans le navigateur</, 'nor "view in browser"');

  const first = await follow(links[0]!, '203.0.113.1');
  assert.equal(first.status, 302);
  assert.equal(first.headers.get('location'), 'https://links.example/2024-06/caddy');
  assert.equal(first.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await clicksOf(), [1, 0, 0]);

  // The same reader again within the minute (a double click, a reload): one click.
  clock.advance(5_000);
  assert.equal((await follow(links[0]!, '203.0.113.1')).status, 302);
  assert.deepEqual(await clicksOf(), [1, 0, 0]);

  // Another reader follows two links, some time apart.
  await follow(links[0]!, '198.51.100.7');
  clock.advance(20_000);
  await follow(links[1]!, '198.51.100.7');
  assert.deepEqual(await clicksOf(), [2, 1, 0]);

  // A minute later the first reader's click counts again: a reader coming back is a new click.
  clock.advance(61_000);
  await follow(links[0]!, '203.0.113.1');
  assert.deepEqual(await clicksOf(), [3, 1, 0]);

  const { rows } = await database.pool.query<{ visitor: string }>('SELECT visitor FROM click_window');
  assert.ok(
    rows.every((row) => !row.visitor.includes('203.0.113') && !row.visitor.includes('198.51')),
    'the window keeps a hash, never the address',
  );
  clock.advance(61_000);
  await testApp.services.clicks.forget();
  const left = await database.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM click_window');
  assert.equal(left.rows[0]!.count, 0, 'after a minute nothing is left of who clicked');
});

test('HEAD requests, known scanners and a burst of every link at once are not counted', async (t) => {
  const testApp = await withEdition(t);
  const { send, follow, clicksOf, clock, outboxDir } = testApp;
  await send('2024-06');
  const links = [...new Set((await emailsTo(outboxDir, 'ada@example.org'))[0]!.match(CLICK))];

  const head = await follow(links[0]!, '203.0.113.1', { method: 'HEAD' });
  assert.equal(head.status, 302, 'a HEAD is answered the same redirect');
  assert.equal(head.headers.get('location'), 'https://links.example/2024-06/caddy');
  for (const agent of [
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'curl/8.5.0',
    'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
    'facebookexternalhit/1.1',
    '',
  ]) {
    const response = await follow(links[1]!, '192.0.2.10', { userAgent: agent });
    assert.equal(response.status, 302, agent);
  }
  assert.deepEqual(await clicksOf(), [0, 0, 0], 'neither HEAD nor scanners counted');

  // A gateway passing for a browser opens every link of the copy at once: none of its clicks count,
  // the first one taken back once the burst shows, and nothing more from it within the minute.
  await follow(links[0]!, '192.0.2.99');
  assert.deepEqual(await clicksOf(), [1, 0, 0]);
  clock.advance(300);
  await follow(links[1]!, '192.0.2.99');
  clock.advance(300);
  await follow(links[2]!, '192.0.2.99');
  assert.deepEqual(await clicksOf(), [0, 0, 0], 'the burst is not counted');
  clock.advance(20_000);
  await follow(links[0]!, '192.0.2.99');
  assert.deepEqual(await clicksOf(), [0, 0, 0], 'nor the scanner’s later requests within the minute');

  // A reader at another address is counted meanwhile.
  await follow(links[2]!, '203.0.113.50');
  assert.deepEqual(await clicksOf(), [0, 0, 1]);
});

test('a tampered, unknown or foreign click address is a 404 and never redirects', async (t) => {
  const testApp = await withEdition(t);
  const { send, follow, clicksOf, outboxDir, publish, origin } = testApp;
  await send('2024-06');
  const links = [...new Set((await emailsTo(outboxDir, 'ada@example.org'))[0]!.match(CLICK))];
  await publish('2024-07', ['other']);
  const [, , part] = /\/c\/(2024-06)\/([0-9a-f]{8}\.[A-Za-z0-9_-]{16})$/.exec(links[0]!)!;
  const flip = (value: string, at: number) => value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
  const forged = [
    `${origin}/c/2024-06/${flip(part!, part!.length - 1)}`,
    // Another link id prefix (always a different hex digit) under the same signature.
    `${origin}/c/2024-06/${part![0] === '0' ? '1' : '0'}${part!.slice(1)}`,
    `${origin}/c/2024-07/${part}`,
    `${origin}/c/2099-01/${part}`,
    `${origin}/c/2024-06/${part}x`,
    `${origin}/c/2024-06/${part!.split('.')[0]}`,
    `${origin}/c/2024-06/..%2f..%2fadmin`,
    `${origin}/c/2024-06/${part}?to=https://evil.example`,
  ];
  for (const url of forged) {
    const response = await follow(url, '203.0.113.1');
    if (url.endsWith('?to=https://evil.example')) {
      // A query string is not part of the address: the link still leads to its own page only.
      assert.equal(response.headers.get('location'), 'https://links.example/2024-06/caddy', url);
      continue;
    }
    assert.equal(response.status, 404, url);
    assert.equal(response.headers.get('location'), null, url);
  }
  assert.deepEqual((await clicksOf()).slice(1), [0, 0]);
});

test('with counting off the email links the pages themselves, and addresses already sent still lead there uncounted', async (t) => {
  const testApp = await withEdition(t);
  const { send, follow, clicksOf, outboxDir, publish, client, stats } = testApp;
  await send('2024-06');
  const links = [...new Set((await emailsTo(outboxDir, 'ada@example.org'))[0]!.match(CLICK))];

  const saved = await client.postForm('/admin/settings', { newsletterName: 'Veille', description: '', clickCounting: 'off' });
  assert.equal(saved.statusCode, 303, saved.body);
  const settingsPage = await client.get('/admin/settings');
  assert.match(settingsPage.body, /<option value="off" selected>/);
  const refused = await client.postForm('/admin/settings', { newsletterName: 'Veille', clickCounting: 'maybe' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /Click counting is either on or off/);

  await publish('2024-07', ['plain']);
  await send('2024-07');
  const july = (await emailsTo(outboxDir, 'ada@example.org')).find((html) => html.includes('plain'))!;
  assert.doesNotMatch(july, CLICK, 'no counted address');
  assert.match(july, /href="https:\/\/links\.example\/2024-07\/plain"/);

  const response = await follow(links[0]!, '203.0.113.1');
  assert.equal(response.status, 302);
  assert.deepEqual(await clicksOf(), [0, 0, 0]);
  assert.equal((await stats()).counting, false);
});

test('the stats give each link its clicks and share of delivered copies, in the API, the admin pages and CSV', async (t) => {
  const testApp = await withEdition(t);
  const { send, follow, outboxDir, stats, call, client, clock, services, ids } = testApp;
  await send('2024-06');
  const links = [...new Set((await emailsTo(outboxDir, 'ada@example.org'))[0]!.match(CLICK))];
  for (const [index, ip] of ['203.0.113.1', '203.0.113.2', '203.0.113.3'].entries()) {
    await follow(links[0]!, ip);
    clock.advance(10_000);
    if (index === 0) await follow(links[1]!, ip);
    clock.advance(10_000);
  }

  const body = await stats();
  assert.equal(body.delivered, 4);
  assert.equal(body.clicks, 4);
  assert.deepEqual(
    body.links.map((link) => ({ id: link.id, clicks: link.clicks, share: link.share })),
    [
      { id: ids[0], clicks: 3, share: 0.75 },
      { id: ids[1], clicks: 1, share: 0.25 },
      { id: ids[2], clicks: 0, share: 0 },
    ],
  );
  assert.equal((await call('GET', '/api/v1/editions/2099-01/stats')).statusCode, 404);
  assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/editions/2024-06/stats' })).statusCode, 401, 'the API needs a token');

  const csv = await call('GET', '/api/v1/editions/2024-06/stats.csv');
  assert.equal(csv.statusCode, 200);
  assert.match(csv.headers['content-type'] as string, /^text\/csv/);
  assert.equal(csv.body.split('\r\n')[0], 'period,section,title,url,clicks,delivered,share_percent');
  assert.ok(csv.body.includes('2024-06,Ops,caddy,https://links.example/2024-06/caddy,3,4,75.0'), csv.body);

  const page = await client.get('/admin/editions/2024-06/stats');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(`data-link-id="${ids[0]}"[\\s\\S]*?<td class="stat-clicks">3</td>[\\s\\S]*?75\\.0%`));
  assert.match(page.body, /<strong data-stat="delivered">4<\/strong>/);
  const editor = await client.get('/admin/editions/2024-06');
  assert.match(editor.body, /href="\/admin\/editions\/2024-06\/stats"/, 'the edition page links its stats');

  const archive = await client.get('/admin/editions');
  assert.match(archive.body, /Most followed links[\s\S]*caddy[\s\S]*<td[^>]*>3<\/td>[\s\S]*traefik/);
  const top = await client.get('/admin/editions/most-followed.csv');
  assert.equal(top.statusCode, 200);
  assert.equal(top.body.split('\r\n')[1], '2024-06,"Web, Ops, IoT et Time Series - Juin 2024",caddy,https://links.example/2024-06/caddy,3,4,75.0');

  const last = await services.clicks.lastSend();
  assert.deepEqual(
    { total: last!.totalClicks, delivered: last!.delivered, top: last!.topLinks.map((link) => link.clicks) },
    { total: 4, delivered: 4, top: [3, 1] },
    'the dashboard can show the last send’s clicks',
  );
});
