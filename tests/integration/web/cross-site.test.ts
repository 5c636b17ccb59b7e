import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, apiCaller, setUpOwner } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const CROSS_SITE = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' };

test('a state-changing request another site makes a signed-in browser send is refused with a clear 403, before anything changes', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  const forged = [
    CROSS_SITE,
    { 'sec-fetch-site': 'same-site', origin: 'https://blog.veille.test' },
    // Browsers without Fetch Metadata still send Origin; sandboxed frames send "null".
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of forged) {
    const page = await client.postForm('/admin/settings', { newsletterName: 'Hijacked', description: '' }, headers);
    assert.equal(page.statusCode, 403, JSON.stringify(headers));
    assert.match(page.body, /came from another site/);
    const htmx = await client.postForm('/admin/settings', { newsletterName: 'Hijacked', description: '' }, { ...headers, 'hx-request': 'true' });
    assert.equal(htmx.statusCode, 403);
    assert.equal(htmx.json().error, 'cross_site');
  }
  assert.equal((await client.postForm('/logout', {}, CROSS_SITE)).statusCode, 403, 'signing someone out is a change too');
  assert.equal((await services.settings.get()).newsletterName, 'Veille');

  // Veille's own pages (same-origin), the address bar (none), and clients that are no browser.
  const ours: Array<Record<string, string>> = [
    { 'sec-fetch-site': 'same-origin', origin: 'http://veille.test' },
    { 'sec-fetch-site': 'none' },
    { origin: 'http://veille.test' },
    {},
  ];
  for (const headers of ours) {
    const saved = await client.postForm('/admin/settings', { newsletterName: 'Web, Ops & Data', description: '' }, headers);
    assert.equal(saved.statusCode, 303, JSON.stringify(headers));
  }
  // Links from other sites still open pages.
  const page = await client.get('/admin/settings', CROSS_SITE);
  assert.equal(page.statusCode, 200);
  // Browsers without Fetch Metadata send the real Origin with Veille's own forms only under this policy.
  assert.equal(page.headers['referrer-policy'], 'same-origin');
});

test('a cross-site form cannot sign a visitor in as someone else', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    payload: new URLSearchParams({ email: OWNER.email, password: OWNER.password }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...CROSS_SITE },
  });
  assert.equal(response.statusCode, 403);
  assert.equal(response.headers['set-cookie'], undefined, 'no session was opened');
});

test('what must work from other sites does: embedded subscribe forms, one-click unsubscribe, the token API', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  const form = (fields: Record<string, string>) => ({
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...CROSS_SITE },
  });

  const subscribed = await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'reader@example.org' }) });
  assert.equal(subscribed.statusCode, 200);
  assert.equal((await services.subscribers.counts()).pending, 1);

  const subscriber = await services.subscribers.add({ email: 'leaving@example.org', actor: OPERATOR });
  const url = new URL(services.subscribers.unsubscribeUrl({ subscriberId: subscriber.id }));
  const oneClick = await app.inject({ method: 'POST', url: url.pathname + url.search, ...form({ 'List-Unsubscribe': 'One-Click' }) });
  assert.equal(oneClick.statusCode, 200);
  assert.equal((await services.subscribers.counts()).unsubscribed, 1);

  const [owner] = await services.accounts.listUsers();
  const { token } = await services.auth.createApiToken({ actor: owner!, name: 'script' });
  const created = await apiCaller(app, token)('POST', '/api/v1/links', { url: 'https://example.org/from-an-extension' }, CROSS_SITE);
  assert.equal(created.statusCode, 201);

  // Readers' other forms are only ever posted from Veille's own pages: refused, in the newsletter's language.
  const undo = await app.inject({ method: 'POST', url: `/unsubscribe/undo${url.search}`, ...form({}) });
  assert.equal(undo.statusCode, 403);
  assert.match(undo.body, /Cette requête vient d’un autre site/);
  assert.match(undo.body, /<html lang="fr">/);
  assert.equal((await services.subscribers.counts()).unsubscribed, 1);
});
