import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForbiddenError } from '../../../apps/domain/platform/errors.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import type { User } from '../../../apps/domain/platform/types.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { apiCaller, setUpOwner, signIn, type TestClient } from '../../helpers/client.ts';

const EDITOR = { email: 'editor@example.org', name: 'Eddie', password: 'editor passphrase long enough' };

/** An owner and an editor, each signed in and holding an API token. */
async function team(t: Parameters<typeof buildTestApp>[0]): Promise<
  TestApp & {
    owner: TestClient;
    editor: TestClient;
    ownerUser: User;
    editorUser: User;
    ownerApi: ReturnType<typeof apiCaller>;
    editorApi: ReturnType<typeof apiCaller>;
  }
> {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  const owner = await setUpOwner(app);
  const [ownerUser] = await services.accounts.listUsers();
  const editorUser = await services.accounts.createUser({ actor: OPERATOR, ...EDITOR, role: 'editor' });
  const editor = await signIn(app, EDITOR.email, EDITOR.password);
  const ownerApi = apiCaller(app, (await services.auth.createApiToken({ actor: ownerUser!, name: 'owner script' })).token);
  const editorApi = apiCaller(app, (await services.auth.createApiToken({ actor: editorUser, name: 'editor script' })).token);
  return { ...testApp, owner, editor, ownerUser: ownerUser!, editorUser, ownerApi, editorApi };
}

/** Every admin page an editor reaches by following links from the dashboard, as a person clicking around would. */
async function crawl(client: TestClient, start: string[]): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [...start];
  while (queue.length > 0 && seen.size < 300) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const page = await client.get(url);
    seen.set(url, `${page.statusCode}\n${JSON.stringify(page.headers)}\n${page.body}`);
    for (const match of page.body.matchAll(/href="(\/[^"#]*)"/g)) {
      const next = match[1]!.replace(/&amp;/g, '&');
      if (!next.startsWith('/static/') && !seen.has(next)) queue.push(next);
    }
  }
  return seen;
}

test('the outbox is the owners’: an editor gets 403 and reaches no invitation link through any page', async (t) => {
  const { app, services, owner, editor, editorUser, ownerUser } = await team(t);
  const invited = await owner.postForm('/admin/team/invitations', { email: 'new-owner@example.org', role: 'owner' });
  assert.equal(invited.statusCode, 200);
  const link = /value="http:\/\/veille\.test\/invitations\/([^"]+)"/.exec(invited.body)?.[1];
  assert.ok(link, 'the owner sees the invitation link');

  // The owner still reads the message, link included.
  const list = await owner.get('/admin/outbox');
  assert.equal(list.statusCode, 200);
  const file = /href="\/admin\/outbox\/([^"]+)"/.exec(list.body)?.[1];
  assert.ok(file, 'the invitation is listed for the owner');
  const message = await owner.get(`/admin/outbox/${file}`);
  assert.equal(message.statusCode, 200);
  assert.ok(message.body.includes(link), 'the owner sees the link in the message');

  // Its HTML part, as the reader sees it, framed in the page under a CSP that allows nothing else.
  assert.match(message.body, new RegExp(`<iframe class="mail-html" src="/admin/outbox/${file}/html" title="[^"]+" sandbox`));
  const html = await owner.get(`/admin/outbox/${file}/html`);
  assert.equal(html.statusCode, 200);
  assert.match(String(html.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'self'/);
  assert.ok(html.body.includes(link), 'the HTML part has the link too');
  // The message as sent, to open in a mail client.
  const eml = await owner.get(`/admin/outbox/${file}/eml`);
  assert.equal(eml.statusCode, 200);
  assert.equal(eml.headers['content-type'], 'message/rfc822');
  assert.equal(eml.headers['content-disposition'], `attachment; filename="${file}"`);
  assert.match(eml.body, /^Subject: /m);
  for (const url of ['/admin/outbox/..%2F..%2Fetc%2Fpasswd/eml', '/admin/outbox/nope.eml/html', '/admin/outbox/nope.eml/eml']) {
    assert.equal((await owner.get(url)).statusCode, 404, url);
  }

  for (const url of ['/admin/outbox', `/admin/outbox/${file}`, `/admin/outbox/${file}/html`, `/admin/outbox/${file}/eml`]) {
    const refused = await editor.get(url);
    assert.equal(refused.statusCode, 403, url);
    assert.ok(!refused.body.includes(link), url);
    assert.doesNotMatch(refused.body, /new-owner@example\.org/, url);
  }
  const fragment = await editor.get(`/admin/outbox/${file}`, { 'hx-request': 'true' });
  assert.equal(fragment.statusCode, 403);
  assert.ok(!fragment.body.includes(link));

  // The service is the rule, whoever calls it.
  await assert.rejects(services.outbox.list({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.outbox.read({ actor: editorUser, file: file }), ForbiddenError);
  assert.equal((await services.outbox.read({ actor: ownerUser, file: file }))?.text.includes(link), true);

  // Every page the editor can reach, and the ones they might guess.
  const pages = await crawl(editor, [
    '/admin',
    '/admin/team',
    '/admin/account',
    '/admin/settings',
    '/admin/outbox',
    `/admin/outbox/${file}`,
    '/admin/subscribers',
    '/admin/export',
    '/admin/import',
  ]);
  assert.ok(pages.size > 8, `crawled ${pages.size} pages`);
  for (const [url, content] of pages) assert.ok(!content.includes(link), `the invitation token is on ${url}`);
  assert.doesNotMatch(pages.get('/admin')!, /href="\/admin\/outbox"/, 'the menu does not offer the outbox to editors');

  // The link still works for the person it was meant for.
  assert.equal((await app.inject({ url: `/invitations/${link}` })).statusCode, 200);
});

test('subscribers’ personal data is for owners: list, add, erase, import and export refused to an editor in the API, the admin and the services', async (t) => {
  const { services, owner, editor, ownerApi, editorApi, editorUser, ownerUser } = await team(t);
  const reader = await services.subscribers.add({ email: 'reader@example.org', actor: ownerUser });

  // JSON API, as an editor: 403 and nothing changes.
  const apiRefusals = [
    await editorApi('GET', '/api/v1/subscribers'),
    await editorApi('POST', '/api/v1/subscribers', { email: 'sneaky@example.org' }),
    await editorApi('DELETE', `/api/v1/subscribers/${reader.id}`),
  ];
  for (const response of apiRefusals) {
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(response.json().error, 'forbidden');
    assert.doesNotMatch(response.body, /reader@example\.org/);
  }
  assert.deepEqual(
    (await services.subscribers.list({ actor: ownerUser })).rows.map((row) => row.email),
    ['reader@example.org'],
  );

  // The admin, as an editor.
  const csv = await editor.get('/admin/subscribers/export.csv');
  assert.equal(csv.statusCode, 403);
  assert.doesNotMatch(csv.body, /reader@example\.org/);
  assert.equal((await editor.get('/admin/subscribers')).statusCode, 403);
  assert.equal((await editor.postForm('/admin/subscribers', { email: 'sneaky@example.org' })).statusCode, 403);
  assert.equal((await editor.postForm(`/admin/subscribers/${reader.id}/erase`)).statusCode, 403);
  assert.equal((await editor.postForm('/admin/subscribers/import', { file: 'email\nsneaky@example.org\n' })).statusCode, 403);
  const dashboard = await editor.get('/admin');
  assert.equal(dashboard.statusCode, 200, 'editors still see the counts');
  assert.match(dashboard.body, /<strong>1<\/strong> active subscriber</);
  assert.doesNotMatch(dashboard.body, /href="\/admin\/subscribers"/);

  // The services themselves refuse, so the command line and any future route agree.
  const actor = editorUser;
  await assert.rejects(services.subscribers.list({ actor: actor }), ForbiddenError);
  await assert.rejects(services.subscribers.add({ email: 'sneaky@example.org', actor: actor }), ForbiddenError);
  await assert.rejects(services.subscribers.erase({ actor: actor, id: reader.id }), ForbiddenError);
  await assert.rejects(services.subscribers.exportCsv({ actor: actor }), ForbiddenError);
  await assert.rejects(services.subscribers.previewImport({ content: Buffer.from('email\nx@example.org\n'), filename: 'x.csv', actor: actor }), ForbiddenError);
  await assert.rejects(services.subscribers.runImport({ actor: actor, id: '00000000-0000-4000-8000-000000000000' }), ForbiddenError);
  assert.equal((await services.subscribers.counts()).active, 1);

  // Owners still can, through both doors.
  const ownerCsv = await owner.get('/admin/subscribers/export.csv');
  assert.equal(ownerCsv.statusCode, 200);
  assert.match(ownerCsv.body, /^email,status,created_at,confirmed_at,unsubscribed_at,source,consent_at,consent_ip,consent_form\r\nreader@example\.org,active,/);
  assert.equal((await ownerApi('GET', '/api/v1/subscribers')).json().total, 1);
  const added = await ownerApi('POST', '/api/v1/subscribers', { email: 'second@example.org' });
  assert.equal(added.statusCode, 201);
  assert.equal((await ownerApi('DELETE', `/api/v1/subscribers/${added.json().id}`)).statusCode, 204);
  assert.equal((await owner.postForm(`/admin/subscribers/${reader.id}/erase`)).statusCode, 303);
  assert.equal((await services.subscribers.counts()).active, 0);
});

test('settings, team, import, export: owners only in every door; editors still edit and send, without the per-reader report', async (t) => {
  const { services, owner, editor, ownerApi, editorApi, editorUser, ownerUser } = await team(t);

  // Settings and team.
  assert.equal((await editor.postForm('/admin/settings', { newsletterName: 'Mine', description: '' })).statusCode, 403);
  await assert.rejects(services.settings.update({ actor: editorUser, input: { newsletterName: 'Mine' } }), ForbiddenError);
  assert.equal((await services.settings.get()).newsletterName, 'Veille');
  assert.equal((await owner.postForm('/admin/settings', { newsletterName: 'Ours', description: '' })).statusCode, 303);
  assert.equal((await services.settings.get()).newsletterName, 'Ours');
  await assert.rejects(services.accounts.invite({ actor: editorUser, email: 'x@example.org', role: 'owner' }), ForbiddenError);
  await assert.rejects(
    services.accounts.createUser({ actor: editorUser, email: 'x@example.org', name: 'X', role: 'owner', password: 'a passphrase long enough' }),
    ForbiddenError,
  );
  await assert.rejects(services.accounts.listPendingInvitations({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.accounts.changeRole({ actor: editorUser, userId: editorUser.id, role: 'owner' }), ForbiddenError);
  const teamPage = await editor.get('/admin/team');
  assert.equal(teamPage.statusCode, 200, 'editors see who is on the team');
  assert.doesNotMatch(teamPage.body, /Pending invitations/);

  // The whole newsletter in and out.
  for (const url of ['/admin/export', '/admin/export.zip', '/admin/import']) assert.equal((await editor.get(url)).statusCode, 403, url);
  await assert.rejects(services.exports.zip({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.exports.snapshot({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.exports.writeDirectory({ actor: editorUser, dir: '/nonexistent' }), ForbiddenError);
  await assert.rejects(
    services.imports.preview({ actor: editorUser, source: { kind: 'upload', filename: 'x.md', bytes: Buffer.from('# x') } }),
    ForbiddenError,
  );
  await assert.rejects(
    services.imports.importNow({ source: { kind: 'upload', filename: 'x.md', bytes: Buffer.from('# x') }, dryRun: true, actor: editorUser }),
    ForbiddenError,
  );
  // Every other door of import and export, whatever it is given.
  const dryRun = await services.imports.preview({ actor: ownerUser, source: { kind: 'upload', filename: 'x.md', bytes: Buffer.from('# x') } });
  await assert.rejects(
    services.imports.prepare({ actor: editorUser, source: { kind: 'upload', filename: 'x.md', bytes: Buffer.from('# x') } }),
    ForbiddenError,
  );
  await assert.rejects(services.imports.execute({ actor: editorUser, plan: dryRun.plan, previous: dryRun.report }), ForbiddenError);
  await assert.rejects(services.imports.find({ actor: editorUser, id: '00000000-0000-4000-8000-000000000000' }), ForbiddenError);
  await assert.rejects(services.imports.listRecent({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.imports.start({ actor: editorUser, id: '00000000-0000-4000-8000-000000000000' }), ForbiddenError);
  await assert.rejects(services.exports.files({ actor: editorUser }), ForbiddenError);
  await assert.rejects(services.exports.summary({ actor: editorUser }), ForbiddenError);
  // The routes refuse by the same rule, in its words.
  assert.match((await editor.get('/admin/import')).body, /Only an owner can import into this newsletter/);
  assert.match((await editor.get('/admin/export')).body, /Only an owner can export this newsletter/);
  assert.match((await editor.postForm('/admin/settings', { newsletterName: 'Mine', description: '' })).body, /Only an owner can change the settings/);
  assert.equal((await owner.get('/admin/export.zip')).statusCode, 200);
  assert.equal((await owner.get('/admin/import')).statusCode, 200);

  // Editors make the newsletter: links, editions, publishing and sending.
  const category = await services.categories.create({ name: 'Ops' });
  const added = await editorApi('POST', '/api/v1/links', {
    url: 'https://links.example/caddy',
    title: 'Caddy',
    commentary: 'Lisez-le.',
    categoryId: category.id,
  });
  assert.equal(added.statusCode, 201);
  assert.equal(
    (await editorApi('PUT', '/api/v1/editions/2024-06', { title: 'Juin', sections: [{ category: 'Ops', links: [added.json().id] }] })).statusCode,
    201,
  );
  assert.equal((await editorApi('POST', '/api/v1/editions/2024-06/publish')).statusCode, 200);
  await services.subscribers.add({ email: 'reader@example.org', actor: ownerUser });
  const sent = await editorApi('POST', '/api/v1/editions/2024-06/send');
  assert.equal(sent.statusCode, 202);
  await services.delivery.run({ sendId: (await services.delivery.status({ period: '2024-06', actor: ownerUser })).send!.id });

  // Progress for everyone; who was sent what names readers, for owners only.
  const editorView = (await editorApi('GET', '/api/v1/editions/2024-06/send')).json();
  assert.equal(editorView.progress.sent, 1);
  assert.deepEqual(editorView.report, []);
  assert.equal((await ownerApi('GET', '/api/v1/editions/2024-06/send')).json().report[0].email, 'reader@example.org');
  const editorPage = await editor.get('/admin/editions/2024-06/delivery');
  assert.equal(editorPage.statusCode, 200);
  assert.doesNotMatch(editorPage.body, /reader@example\.org/);
  assert.match(editorPage.body, /owners see it here/);
  assert.match((await owner.get('/admin/editions/2024-06/delivery')).body, /reader@example\.org/);
});
