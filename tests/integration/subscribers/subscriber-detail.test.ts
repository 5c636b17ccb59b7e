import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner, signIn } from '../../helpers/client.ts';

const EDITOR = { email: 'editor@example.org', name: 'Eddie', password: 'editor passphrase long enough' };

test('a reader’s page shows their source, consent record and history, and resends a pending reader’s confirmation, rate limited', async (t) => {
  const { app, services, database } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'home', ip: '203.0.113.7' });
  const active = await services.subscribers.add({ email: 'active@example.org', actor: OPERATOR });
  const { rows } = await services.subscribers.list({ actor: OPERATOR });
  const pending = rows.find((row) => row.email === 'pending@example.org')!;

  const list = await owner.get('/admin/subscribers');
  assert.match(list.body, new RegExp(`<td data-label="Email"><a href="/admin/subscribers/${pending.id}">pending@example.org</a></td>`));

  const page = await owner.get(`/admin/subscribers/${pending.id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<h1>pending@example\.org<\/h1>/);
  assert.match(page.body, /Subscription form/);
  assert.match(page.body, /203\.0\.113\.7/);
  assert.match(page.body, /<blockquote>Get every edition of Veille by email\./);
  assert.match(page.body, /Added \(form, form “home”\)/);
  assert.match(page.body, /Confirmation email sent</);
  assert.match(page.body, /Resend the confirmation email/);

  for (let attempt = 1; attempt <= 3; attempt++) {
    const resent = await owner.postForm(`/admin/subscribers/${pending.id}/resend-confirmation`);
    assert.equal(resent.statusCode, 303, `attempt ${attempt}`);
  }
  const limited = await owner.postForm(`/admin/subscribers/${pending.id}/resend-confirmation`);
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) > 0);
  const after = await owner.get(`/admin/subscribers/${pending.id}`);
  assert.equal(after.body.match(/Confirmation email sent again by Nicolas Martin/g)?.length, 3);
  const jobs = await database.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'email.send' AND data->>'to' = 'pending@example.org'`);
  assert.equal(jobs.rows[0].n, 4, 'the first confirmation and three resent');

  // Only a pending reader is sent the link again; an active one has no button and a refusal.
  const activePage = await owner.get(`/admin/subscribers/${active.id}`);
  assert.doesNotMatch(activePage.body, /Resend the confirmation email/);
  assert.match(activePage.body, /Added by an editor/);
  assert.match(activePage.body, /Added \(admin, form “admin”\)/);
  assert.equal((await owner.postForm(`/admin/subscribers/${active.id}/resend-confirmation`)).statusCode, 409);

  assert.equal((await owner.get('/admin/subscribers/abc')).statusCode, 404);
  assert.equal((await owner.get('/admin/subscribers/00000000-0000-4000-8000-000000000000')).statusCode, 404);
  // Readers' addresses are for owners.
  await services.accounts.createUser({ actor: OPERATOR, ...EDITOR, role: 'editor' });
  const editor = await signIn(app, EDITOR.email, EDITOR.password);
  assert.equal((await editor.get(`/admin/subscribers/${pending.id}`)).statusCode, 403);
  assert.equal((await editor.postForm(`/admin/subscribers/${pending.id}/resend-confirmation`)).statusCode, 403);
});
