import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForbiddenError } from '../../apps/domain/errors.ts';
import type { User } from '../../apps/domain/types.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { apiCaller, setUpOwner, signIn, type TestClient } from '../helpers/client.ts';

const EDITOR = { email: 'editor@example.org', name: 'Eddie', password: 'editor passphrase long enough' };

/** An owner and an editor, each signed in and holding an API token. */
async function team(t: Parameters<typeof buildTestApp>[0]): Promise<TestApp & { owner: TestClient; editor: TestClient; ownerUser: User; editorUser: User; ownerApi: ReturnType<typeof apiCaller>; editorApi: ReturnType<typeof apiCaller> }> {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  const owner = await setUpOwner(app);
  const [ownerUser] = await services.accounts.listUsers();
  const editorUser = await services.accounts.createUser({ ...EDITOR, role: 'editor' });
  const editor = await signIn(app, EDITOR.email, EDITOR.password);
  const ownerApi = apiCaller(app, (await services.auth.createApiToken({ userId: ownerUser!.id, name: 'owner script' })).token);
  const editorApi = apiCaller(app, (await services.auth.createApiToken({ userId: editorUser.id, name: 'editor script' })).token);
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

  for (const url of ['/admin/outbox', `/admin/outbox/${file}`]) {
    const refused = await editor.get(url);
    assert.equal(refused.statusCode, 403, url);
    assert.ok(!refused.body.includes(link), url);
    assert.doesNotMatch(refused.body, /new-owner@example\.org/, url);
  }
  const fragment = await editor.get(`/admin/outbox/${file}`, { 'hx-request': 'true' });
  assert.equal(fragment.statusCode, 403);
  assert.ok(!fragment.body.includes(link));

  // The service is the rule, whoever calls it.
  await assert.rejects(services.outbox.list(editorUser), ForbiddenError);
  await assert.rejects(services.outbox.read(file, editorUser), ForbiddenError);
  assert.equal((await services.outbox.read(file, ownerUser))?.text.includes(link), true);

  // Every page the editor can reach, and the ones they might guess.
  const pages = await crawl(editor, ['/admin', '/admin/team', '/admin/account', '/admin/settings', '/admin/outbox', `/admin/outbox/${file}`, '/admin/subscribers', '/admin/export', '/admin/import']);
  assert.ok(pages.size > 8, `crawled ${pages.size} pages`);
  for (const [url, content] of pages) assert.ok(!content.includes(link), `the invitation token is on ${url}`);
  assert.doesNotMatch(pages.get('/admin')!, /href="\/admin\/outbox"/, 'the menu does not offer the outbox to editors');

  // The link still works for the person it was meant for.
  assert.equal((await app.inject({ url: `/invitations/${link}` })).statusCode, 200);
});
