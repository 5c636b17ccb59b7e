import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SESSION_TTL_MS } from '../../../apps/domain/accounts/auth-service.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

test('admin pages need a session: sign-in redirect for pages, 401 for htmx and JSON', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const page = await app.inject({ url: '/admin/team', headers: { accept: 'text/html' } });
  assert.equal(page.statusCode, 303);
  assert.equal(page.headers.location, '/login?next=%2Fadmin%2Fteam');

  const htmx = await app.inject({ url: '/admin/team', headers: { 'hx-request': 'true' } });
  assert.equal(htmx.statusCode, 401);
  assert.match(String(htmx.headers['hx-redirect']), /^\/login/);

  const json = await app.inject({ url: '/admin/team', headers: { accept: 'application/json' } });
  assert.equal(json.statusCode, 401);

  const post = await app.inject({ method: 'POST', url: '/admin/settings', payload: { newsletterName: 'x' } });
  assert.equal(post.statusCode, 401);

  const forged = await app.inject({ url: '/admin', headers: { cookie: 'veille_session=forged-value' } });
  assert.equal(forged.statusCode, 303);
});

test('every state-changing admin request needs the session CSRF token', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);

  const missing = await client.post('/admin/settings', { newsletterName: 'Hijacked', description: '' });
  assert.equal(missing.statusCode, 403);
  assert.match(missing.body, /expired or did not come from Veille/);
  const wrong = await client.post('/admin/settings', { newsletterName: 'Hijacked', description: '', _csrf: 'guess' });
  assert.equal(wrong.statusCode, 403);
  const signOut = await client.post('/logout');
  assert.equal(signOut.statusCode, 403, 'sign-out is a state change too');
  assert.equal((await services.settings.get()).newsletterName, 'Veille');

  const token = await client.csrfToken();
  const viaField = await client.post('/admin/settings', { newsletterName: 'Web, Ops & Data', description: 'Veille mensuelle', _csrf: token });
  assert.equal(viaField.statusCode, 303);
  const viaHeader = await client.post('/admin/settings', { newsletterName: 'Web, Ops, IoT', description: '' }, { 'x-csrf-token': token, 'hx-request': 'true' });
  assert.equal(viaHeader.statusCode, 303);
  assert.equal((await services.settings.get()).newsletterName, 'Web, Ops, IoT');
  // The token is on every admin page: in the body's hx-headers for htmx.
  const page = await client.get('/admin');
  assert.ok(page.body.includes(`hx-headers='{"X-CSRF-Token": "${token}"}'`));
});

test('sign-out ends the session', async (t) => {
  const { app } = await buildTestApp(t);
  const client = await setUpOwner(app);
  const session = client.cookies.get('veille_session')!;
  const response = await client.postForm('/logout');
  assert.equal(response.statusCode, 303);
  assert.equal(response.headers.location, '/login');
  const reuse = await app.inject({ url: '/admin', headers: { cookie: `veille_session=${session}`, accept: 'text/html' } });
  assert.equal(reuse.statusCode, 303);
  assert.match(String(reuse.headers.location), /^\/login/);
});

test('sessions expire after 30 days of inactivity and slide while used', async (t) => {
  const clock = manualClock(new Date());
  const { app } = await buildTestApp(t, { clock });
  const client = await setUpOwner(app);
  clock.advance(SESSION_TTL_MS - 60_000);
  assert.equal((await client.get('/admin')).statusCode, 200, 'still valid just before expiry; this visit renews it');
  clock.advance(SESSION_TTL_MS - 60_000);
  assert.equal((await client.get('/admin')).statusCode, 200, 'renewed by the previous visit');
  clock.advance(SESSION_TTL_MS + 1000);
  const expired = await client.get('/admin');
  assert.equal(expired.statusCode, 303);
});
