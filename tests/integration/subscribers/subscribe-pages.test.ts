import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { SUBSCRIBE_LIMITS } from '../../../apps/domain/subscribers/subscribers-service.ts';
import { buildTestApp } from '../../helpers/app.ts';

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

test('a link from an email that no longer works says which link and what to do, in the newsletter’s language', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  const reader = await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const token = services.subscribers.unsubscribeUrl({ subscriberId: reader.id }).split('token=')[1]!;

  for (const [method, url, sentence] of [
    ['GET', '/subscribe/confirm?token=nope', 'Ce lien de confirmation est invalide ou a expiré.'],
    ['GET', `/unsubscribe?token=${token}x`, 'Ce lien de désabonnement est invalide.'],
    ['POST', `/unsubscribe?token=${token.slice(0, -2)}`, 'Ce lien de désabonnement est invalide.'],
    ['POST', '/unsubscribe/undo?token=nope', 'Ce lien de réabonnement a expiré'],
  ] as const) {
    const response = await app.inject({ method, url, ...(method === 'POST' ? form({}) : {}) });
    assert.equal(response.statusCode, 404, url);
    assert.match(response.body, /<html lang="fr">/, url);
    assert.match(response.body, /<h1>Lien invalide<\/h1>/, url);
    assert.ok(response.body.includes(sentence), `${url}: ${response.body.slice(-600)}`);
    assert.equal(response.headers['cache-control'], 'no-store');
  }
  const confirm = await app.inject({ method: 'POST', url: '/subscribe/confirm', ...form({ token: 'nope' }) });
  assert.equal(confirm.statusCode, 404);
  assert.ok(confirm.body.includes('Ce lien de confirmation est invalide'));
  assert.equal((await services.subscribers.counts()).active, 1, 'nobody changed');

  await services.settings.update({ actor: OPERATOR, input: { locale: 'en' } });
  const english = await app.inject({ url: `/unsubscribe?token=${token}x` });
  assert.equal(english.statusCode, 404);
  assert.ok(english.body.includes('This unsubscribe link is invalid.'));
});

test('a refused subscription shows the form again with the address typed and the reason, in the newsletter’s language', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });

  const invalid = await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'pas une adresse', form: 'home' }) });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /<html lang="fr">/);
  assert.match(invalid.body, /value="pas une adresse"/);
  assert.match(invalid.body, /<p class="field-error" id="subscribe-error">Saisissez une adresse email valide, par exemple nom@example\.org\.<\/p>/);

  let last;
  for (let attempt = 0; attempt <= SUBSCRIBE_LIMITS.perAddress; attempt++)
    last = await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'again@example.org' }) });
  assert.equal(last!.statusCode, 429);
  assert.ok(Number(last!.headers['retry-after']) > 0);
  assert.match(last!.body, /<p class="field-error" id="subscribe-error">Trop de demandes d’abonnement\. Réessayez dans \d+ minutes?\.<\/p>/);
  assert.match(last!.body, /value="again@example.org"/);
});

test('a reader’s error or unknown page speaks the newsletter’s language and shows no validation internals', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  for (const url of ['/archive/abc', '/archive/1200', '/archive/2024.5', '/nothing-here', '/2024/zz/nope']) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 404, url);
    assert.match(response.body, /<html lang="fr">/, url);
    assert.match(response.body, /Page introuvable/, url);
    assert.doesNotMatch(response.body, /Invalid input|expected number|received NaN|year:/, url);
  }
  for (const url of ['/archive?page=abc', `/search?q=${'x'.repeat(300)}`, '/tags/%20']) {
    const response = await app.inject({ url });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, url);
    assert.match(response.body, /<html lang="fr">/, url);
    assert.doesNotMatch(response.body, /Invalid input|Too big|too_big|expected|received|page:|q:/, url);
  }
});

test('a reader with a bad unsubscribe link can ask for one by address: the same answer for anyone, rate limited', async (t) => {
  const { app, services, database } = await buildTestApp(t);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const bad = await app.inject({ url: '/unsubscribe?token=nope' });
  assert.equal(bad.statusCode, 404);
  assert.match(bad.body, /<form method="post" action="\/unsubscribe\/request"/);
  assert.match(bad.body, /Se désabonner avec son adresse/);

  const known = await app.inject({ method: 'POST', url: '/unsubscribe/request', ...form({ email: 'Reader@Example.org' }) });
  const unknown = await app.inject({ method: 'POST', url: '/unsubscribe/request', ...form({ email: 'stranger@example.org' }) });
  assert.equal(known.statusCode, 200);
  assert.equal(known.body, unknown.body, 'the answer does not tell who is subscribed');
  assert.match(known.body, /Si cette adresse reçoit la newsletter/);
  const jobs = await database.pool.query(`SELECT data FROM pgboss.job WHERE name = 'email.send' ORDER BY created_on`);
  const sent = jobs.rows.map((row) => row.data as { to: string; subject: string; text: string; html: string });
  assert.deepEqual(
    sent.map((email) => email.to),
    ['reader@example.org'],
  );
  assert.match(sent[0]!.subject, /Désabonnement de Veille/);
  const link = /https?:\/\/[^\s\]>"]+\/unsubscribe\?token=[^\s\]>"]+/.exec(sent[0]!.text)?.[0];
  assert.ok(link, 'the email carries an unsubscribe link');
  assert.match(sent[0]!.html, /<a class="button"|class="button"/);
  const page = await app.inject({ url: new URL(link).pathname + new URL(link).search });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /reader@example\.org/);

  const invalid = await app.inject({ method: 'POST', url: '/unsubscribe/request', ...form({ email: 'pas une adresse' }) });
  assert.equal(invalid.statusCode, 422);
  assert.match(invalid.body, /Saisissez une adresse email valide/);
  assert.match(invalid.body, /value="pas une adresse"/);

  let last;
  for (let attempt = 0; attempt <= SUBSCRIBE_LIMITS.perAddress; attempt++)
    last = await app.inject({ method: 'POST', url: '/unsubscribe/request', ...form({ email: 'again@example.org' }) });
  assert.equal(last!.statusCode, 429);
  assert.match(last!.body, /Trop de demandes/);
});
