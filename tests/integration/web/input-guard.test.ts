import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { apiCaller, setUpOwner } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

test('a NUL or another control character reaching readers’ pages is a 400 naming the field, in the newsletter’s language', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  for (const [url, field] of [
    ['/search?q=%00', 'q'],
    ['/search?q=caf%C3%A9%1B', 'q'],
    ['/tags/%00', 'tag'],
    ['/2026/11/%00', 'slug'],
    ['/archive/20%0A26', 'year'],
    ['/unsubscribe?token=%00', 'token'],
  ] as const) {
    const response = await app.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 400, url);
    assert.match(response.body, /<html lang="fr">/, url);
    assert.ok(response.body.includes(`Le champ «\u00a0${field}\u00a0» contient un caractère de contrôle`), `${url}: ${response.body.slice(0, 200)}`);
  }
  // A form: the same form again, in the newsletter's language, the rest of the text kept.
  const subscribe = await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'reader\u0000@example.org' }) });
  assert.equal(subscribe.statusCode, 422);
  assert.match(subscribe.body, /<html lang="fr">/);
  assert.match(subscribe.body, /<p class="field-error" id="subscribe-error">Le champ «\u00a0email\u00a0» contient un caractère de contrôle/);
  assert.match(subscribe.body, /value="reader@example.org"/);
  assert.equal((await services.subscribers.counts()).pending, 0);
});

test('the admin and the API refuse control characters in every field, header and JSON value, with nothing saved', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const [user] = await services.accounts.listUsers();
  const api = apiCaller(app, (await services.auth.createApiToken({ actor: user!, name: 'script' })).token);

  // A form: the same form again with the message beside the field, the rest of the text kept.
  const page = await owner.postForm('/admin/subscribers', { email: 'a\u0000@example.org' });
  assert.equal(page.statusCode, 422);
  assert.match(page.body, /The field “email” holds a control character \(U\+0000\)/);
  assert.match(page.body, /value="a@example.org"/);
  const htmx = await owner.postForm('/admin/links', { url: 'https://example.org/', commentary: 'bell\u0007' }, { 'hx-request': 'true' });
  assert.equal(htmx.statusCode, 400);
  assert.deepEqual(htmx.json().fields, { commentary: htmx.json().message });
  assert.equal(htmx.json().error, 'invalid_characters');

  const json = await api('POST', '/api/v1/subscribers', { email: 'x\u0000@example.org' });
  assert.equal(json.statusCode, 400);
  assert.equal(json.json().error, 'invalid_characters');
  assert.ok(json.json().fields.email);
  const nested = await api('PUT', '/api/v1/editions/2026-11', { title: 'Novembre', sections: [{ category: 'Ops\u0000', links: [] }] });
  assert.equal(nested.statusCode, 400);
  assert.ok(nested.json().fields['sections.0.category'], JSON.stringify(nested.json()));
  const param = await api('GET', '/api/v1/editions/2026-11%00');
  assert.equal(param.statusCode, 400);
  assert.ok(param.json().fields.period);

  for (const [name, value] of [
    ['user-agent', 'curl\u0000'],
    ['hx-current-url', 'http://veille.test/admin\r\nX: y'],
    ['x-forwarded-for', '10.0.0.1\u0000'],
  ] as const) {
    const response = await api('POST', '/api/v1/links', { url: 'https://example.org/header' }, { [name]: value });
    assert.equal(response.statusCode, 400, name);
    assert.ok(response.json().fields[name], name);
  }
  assert.equal((await services.subscribers.counts()).active, 0);
  assert.equal((await services.links.list({ status: 'all' })).links.length, 0);
});

test('text that spans lines keeps its tabs and line breaks', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const saved = await owner.postForm('/admin/links', { url: 'https://example.org/multi', commentary: 'First line\r\nSecond\tline' });
  assert.equal(saved.statusCode, 303);
  const [link] = (await services.links.list({ status: 'all' })).links;
  assert.equal(link?.commentary, 'First line\nSecond\tline');
  // The bookmarklet sends the selected text, line breaks included, in the query string.
  const popup = await owner.get(
    `/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/page')}&text=${encodeURIComponent('A quote\nover two lines')}`,
  );
  assert.equal(popup.statusCode, 200);
  assert.match(popup.body, /&gt; A quote\n&gt; over two lines/, 'as a quotation, line by line');
});
