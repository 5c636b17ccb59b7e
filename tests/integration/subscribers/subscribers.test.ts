import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { RESUBSCRIBE_WINDOW_MS, SUBSCRIBE_LIMITS } from '../../../apps/domain/subscribers/subscribers-service.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** Waits for the worker to write the emails sent to `to` into the outbox, and parses them. */
async function emailsTo(outboxDir: string, to: string, count = 1) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const files = (await readdir(outboxDir).catch(() => [] as string[])).sort();
    const parsed = await Promise.all(files.map(async (file) => PostalMime.parse(await readFile(path.join(outboxDir, file)))));
    const found = parsed.filter((message) => message.to?.some((address) => address.address === to));
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no email to ${to} arrived`);
}

function linkIn(text: string, pathname: string): string {
  const match = new RegExp(`http://veille\\.test(${pathname.replace('/', '\\/')}\\?token=[A-Za-z0-9._-]+)`).exec(text);
  assert.ok(match, `a ${pathname} link is in the email`);
  return match[1]!;
}

async function subscribe(testApp: TestApp, email: string, extra: Record<string, string> = {}) {
  return testApp.app.inject({ method: 'POST', url: '/subscribe', ...form({ email, form: 'home', ...extra }) });
}

test('double opt-in: subscribe, confirm by POST after a GET that changes nothing, welcome email', async (t) => {
  const testApp = await buildTestApp(t, { worker: true });
  const { app, services, outboxDir } = testApp;
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', newsletterName: 'Web, Ops & Data' } });

  const page = await app.inject({ url: '/subscribe' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /name="website"/, 'the form has a honeypot');

  const sent = await subscribe(testApp, 'Reader@Example.org');
  assert.equal(sent.statusCode, 200);
  assert.match(sent.body, /Vérifiez votre boîte mail/);
  const [subscriber] = (await services.subscribers.list({ actor: OPERATOR })).rows;
  assert.equal(subscriber?.status, 'pending');
  assert.equal(subscriber?.email, 'reader@example.org');
  assert.equal(subscriber?.consent?.form, 'home');
  assert.match(subscriber?.consent?.text ?? '', /Recevez chaque édition/);

  const [confirmation] = await emailsTo(outboxDir, 'reader@example.org');
  assert.match(confirmation!.subject ?? '', /Confirmez votre abonnement à Web, Ops & Data/);
  const confirmLink = linkIn(confirmation!.text ?? '', '/subscribe/confirm');

  // A mail scanner following the link confirms nothing.
  const opened = await app.inject({ url: confirmLink });
  assert.equal(opened.statusCode, 200);
  assert.match(opened.body, /reader@example.org/);
  assert.equal((await services.subscribers.list({ actor: OPERATOR })).rows[0]?.status, 'pending');

  const token = new URL(confirmLink, 'http://veille.test').searchParams.get('token')!;
  const confirmed = await app.inject({ method: 'POST', url: '/subscribe/confirm', ...form({ token }) });
  assert.equal(confirmed.statusCode, 200);
  assert.match(confirmed.body, /Abonnement confirmé/);
  assert.equal((await services.subscribers.list({ actor: OPERATOR })).rows[0]?.status, 'active');
  const emails = await emailsTo(outboxDir, 'reader@example.org', 2);
  const welcome = emails.find((message) => /Bienvenue/.test(message.subject ?? ''))!;
  assert.ok(welcome, 'a welcome email was sent');
  assert.ok(welcome.headers.some((header) => header.key === 'list-unsubscribe-post' && header.value === 'List-Unsubscribe=One-Click'));

  // The link used again says it is done already, and sends no second welcome.
  const again = await app.inject({ method: 'POST', url: '/subscribe/confirm', ...form({ token }) });
  assert.equal(again.statusCode, 200);
  assert.match(again.body, /<h1>Abonnement déjà confirmé<\/h1>/);
  assert.match((await app.inject({ url: confirmLink })).body, /Cet abonnement est déjà confirmé\u00a0: il n’y a plus rien à faire/);

  const tampered = await app.inject({ method: 'POST', url: '/subscribe/confirm', ...form({ token: `${token}x` }) });
  assert.equal(tampered.statusCode, 404);
  assert.match(tampered.body, /Lien invalide/);
});

test('the answer never tells whether an address is known; honeypot and rate limits', async (t) => {
  const testApp = await buildTestApp(t);
  const { services } = testApp;
  await services.subscribers.add({ email: 'known@example.org', actor: OPERATOR });
  const known = await subscribe(testApp, 'known@example.org');
  const unknown = await subscribe(testApp, 'new@example.org');
  assert.equal(known.statusCode, unknown.statusCode);
  assert.equal(known.body.replace(/\s+/g, ' '), unknown.body.replace(/\s+/g, ' '));
  assert.equal((await services.subscribers.counts()).active, 1, 'the active subscriber stays active');

  const bot = await subscribe(testApp, 'bot@example.org', { website: 'http://spam.example' });
  assert.equal(bot.statusCode, 200);
  assert.equal((await services.subscribers.list({ q: 'bot', actor: OPERATOR })).total, 0, 'a filled honeypot subscribes nobody');

  const invalid = await testApp.app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'not an email\r\nBcc: victim@example.org' }) });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /Enter a valid email address, such as name@example\.org\./);
  const long = await subscribe(testApp, `${'a'.repeat(500)}@example.org`);
  assert.equal(long.statusCode, 422);
  const idn = await subscribe(testApp, 'lecteur@exämple.fr');
  assert.equal(idn.statusCode, 200);
  assert.equal(
    (await services.subscribers.list({ q: 'lecteur', actor: OPERATOR })).rows[0]?.email,
    'lecteur@xn--exmple-cua.fr',
    'the domain is kept in its ASCII form',
  );

  let last;
  for (let attempt = 0; attempt <= SUBSCRIBE_LIMITS.perAddress; attempt++) last = await subscribe(testApp, 'again@example.org');
  assert.equal(last!.statusCode, 429);
  assert.ok(Number(last!.headers['retry-after']) > 0);
});

test('one-click unsubscribe (RFC 8058): POST without cookie, 200 without redirect, resubscribe offered', async (t) => {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  const subscriber = await services.subscribers.add({ email: 'leaving@example.org', actor: OPERATOR });
  const url = new URL(services.subscribers.unsubscribeUrl({ subscriberId: subscriber.id }));

  const page = await app.inject({ url: url.pathname + url.search });
  assert.equal(page.statusCode, 200);
  assert.equal((await services.subscribers.counts()).active, 1, 'opening the link unsubscribes nobody');

  const oneClick = await app.inject({ method: 'POST', url: url.pathname + url.search, ...form({ 'List-Unsubscribe': 'One-Click' }) });
  assert.equal(oneClick.statusCode, 200);
  assert.equal(oneClick.headers.location, undefined);
  assert.match(oneClick.body, /unsubscribed|désabonné/);
  assert.equal((await services.subscribers.counts()).unsubscribed, 1);
  const again = await app.inject({ method: 'POST', url: url.pathname + url.search, ...form({ 'List-Unsubscribe': 'One-Click' }) });
  assert.equal(again.statusCode, 200, 'idempotent');

  const undoAction = /action="(\/unsubscribe\/undo\?token=[^"]+)"/.exec(oneClick.body)?.[1];
  assert.ok(undoAction, 'the page offers to subscribe again');
  const undo = await app.inject({ method: 'POST', url: undoAction.replace(/&amp;/g, '&') });
  assert.equal(undo.statusCode, 200);
  assert.equal((await services.subscribers.counts()).active, 1);

  for (const token of ['', 'garbage', `${subscriber.id}.0.forged-signature-forged-signat`, services.subscribers.tokens.issue('confirm', subscriber.id)]) {
    const refused = await app.inject({ method: 'POST', url: `/unsubscribe?token=${encodeURIComponent(token)}` });
    assert.equal(refused.statusCode, 404, token);
  }
  assert.equal((await services.subscribers.counts()).active, 1);
});

test('"subscribe again" works for a day after unsubscribing, with its own token; then the page says to subscribe', async (t) => {
  const clock = manualClock(new Date());
  const testApp = await buildTestApp(t, { clock });
  const { app, services } = testApp;
  const reader = await services.subscribers.add({ email: 'oops@example.org', actor: OPERATOR });
  const unsubscribeUrl = new URL(services.subscribers.unsubscribeUrl({ subscriberId: reader.id }));
  const target = unsubscribeUrl.pathname + unsubscribeUrl.search;
  const undoOf = (body: string) => /action="(\/unsubscribe\/undo\?token=[^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, '&');

  const unsubscribed = await app.inject({ method: 'POST', url: target });
  const undo = undoOf(unsubscribed.body);
  assert.ok(undo);
  // The permanent unsubscribe token of every email no longer subscribes anyone back.
  const withEmailToken = await app.inject({ method: 'POST', url: `/unsubscribe/undo${unsubscribeUrl.search}` });
  assert.equal(withEmailToken.statusCode, 404);
  assert.equal((await services.subscribers.counts()).active, 0);

  // Within the day: back in at once, no confirmation.
  clock.advance(RESUBSCRIBE_WINDOW_MS - 60_000);
  assert.equal((await app.inject({ method: 'POST', url: undo })).statusCode, 200);
  assert.equal((await services.subscribers.counts()).active, 1);

  // Unsubscribed again: the first button is spent once the day is over, as is the second.
  const again = await app.inject({ method: 'POST', url: target });
  const second = undoOf(again.body)!;
  clock.advance(RESUBSCRIBE_WINDOW_MS + 1000);
  for (const url of [undo, second]) {
    const expired = await app.inject({ method: 'POST', url });
    assert.equal(expired.statusCode, 404, url);
    assert.match(
      expired.body,
      /only works for 24 hours after unsubscribing\. To receive the newsletter again, subscribe: a confirmation email will be sent to you\./,
    );
    assert.match(expired.body, /href="\/subscribe"/);
  }
  assert.equal((await services.subscribers.counts()).active, 0);
  // The unsubscribe page, opened later, no longer offers the button: it says what to do.
  const later = await app.inject({ url: target });
  assert.equal(later.statusCode, 200);
  assert.equal(undoOf(later.body), undefined);
  assert.match(later.body, /To receive it again, subscribe: a confirmation email will be sent to you/);

  // A bounced address is not made active by an undo token, even a fresh one.
  const bounced = await services.subscribers.add({ email: 'bounced@example.org', actor: OPERATOR });
  const bouncedUrl = new URL(services.subscribers.unsubscribeUrl({ subscriberId: bounced.id }));
  const bouncedUndo = undoOf((await app.inject({ method: 'POST', url: bouncedUrl.pathname + bouncedUrl.search })).body)!;
  await testApp.database.pool.query(`UPDATE subscribers SET status = 'bounced', bounced_at = now() WHERE id = $1`, [bounced.id]);
  assert.equal((await app.inject({ method: 'POST', url: bouncedUndo })).statusCode, 404);
  assert.equal((await services.subscribers.counts()).bounced, 1);
});

test('confirmation links expire after 7 days', async (t) => {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  await subscribe(testApp, 'late@example.org');
  const [subscriber] = (await services.subscribers.list({ actor: OPERATOR })).rows;
  const expired = services.subscribers.tokens.issue('confirm', subscriber!.id, new Date(Date.now() - 1000));
  const response = await app.inject({ method: 'POST', url: '/subscribe/confirm', ...form({ token: expired }) });
  assert.equal(response.statusCode, 404);
  assert.equal((await services.subscribers.list({ actor: OPERATOR })).rows[0]?.status, 'pending');
});

test('admin: list, search, filter, add by hand, export CSV, erase with counts kept', async (t) => {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  const client = await setUpOwner(app);
  for (const email of ['a@example.org', 'b@example.org', '+cmd@example.org']) {
    assert.equal((await client.postForm('/admin/subscribers', { email })).statusCode, 303);
  }
  const duplicate = await client.postForm('/admin/subscribers', { email: 'A@example.org' });
  assert.equal(duplicate.statusCode, 422);
  assert.match(duplicate.body, /already subscribed/);
  assert.match(duplicate.body, /value="A@example.org"/);
  await subscribe(testApp, 'pending@example.org');

  const list = await client.get('/admin/subscribers');
  assert.match(list.body, /<strong>3<\/strong> active · 1 waiting for confirmation/);
  const search = await client.get('/admin/subscribers?q=b%40', { 'hx-request': 'true', 'hx-target': 'subscriber-list' });
  assert.match(search.body, /^<div id="subscriber-list">/);
  assert.match(search.body, /b@example.org/);
  assert.doesNotMatch(search.body, /a@example.org/);
  const pending = await client.get('/admin/subscribers?status=pending');
  assert.match(pending.body, /pending@example.org/);
  assert.doesNotMatch(pending.body, /b@example.org/);
  assert.equal((await client.get('/admin/subscribers?status=nonsense')).statusCode, 422);

  const csv = await client.get('/admin/subscribers/export.csv');
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  assert.match(csv.body, /^email,status,created_at/);
  assert.match(csv.body, /\n'\+cmd@example.org,active/, 'formulas are defused');

  const dashboardBefore = await client.get('/admin');
  assert.match(dashboardBefore.body, /<svg class="growth-chart"/);
  const target = (await services.subscribers.list({ q: 'a@example.org', actor: OPERATOR })).rows[0]!;
  assert.equal((await client.postForm(`/admin/subscribers/${target.id}/erase`)).statusCode, 303);
  assert.equal((await services.subscribers.list({ q: 'a@example.org', actor: OPERATOR })).total, 0);
  const growth = await services.subscribers.growth({ months: 1 });
  assert.deepEqual(
    growth.map(({ subscribed, left, total }) => ({ subscribed, left, total })),
    [{ subscribed: 3, left: 1, total: 2 }],
    'the erasure still counts in the history',
  );
  assert.equal((await client.postForm('/admin/subscribers/00000000-0000-4000-8000-000000000000/erase')).statusCode, 404);
});
