import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { INVITATION_TTL_MS } from '../../../apps/domain/accounts/accounts-service.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, TestClient, setUpOwner, signIn } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

async function lastEmail(outboxDir: string): Promise<string> {
  const files = (await readdir(outboxDir)).sort();
  assert.ok(files.length > 0, 'an email was written to the outbox');
  return readFile(path.join(outboxDir, files.at(-1)!), 'utf8');
}

function invitationLink(text: string): string {
  const match = /http:\/\/veille\.test(\/invitations\/[A-Za-z0-9_-]+)/.exec(text.replace(/=\r?\n/g, ''));
  assert.ok(match, 'the invitation link is in the text');
  return match[1]!;
}

test('the owner invites an editor, who joins through the emailed link and signs in', async (t) => {
  const { app, outboxDir } = await buildTestApp(t);
  const owner = await setUpOwner(app);

  const invited = await owner.postForm('/admin/team/invitations', { email: 'Camille@Example.org', role: 'editor' });
  assert.equal(invited.statusCode, 200);
  assert.match(invited.body, /Invitation for <strong>camille@example.org<\/strong> created and emailed/);
  const shownLink = /value="http:\/\/veille\.test(\/invitations\/[^"]+)"/.exec(invited.body)?.[1];
  assert.ok(shownLink, 'the link is shown on screen');

  const email = await lastEmail(outboxDir);
  assert.match(email, /To: camille@example.org/);
  assert.match(email, /invites you to edit Veille/);
  assert.equal(invitationLink(email), shownLink, 'the emailed link is the one shown');

  const outbox = await owner.get('/admin/outbox');
  assert.match(outbox.body, /camille@example.org/);
  const file = /href="\/admin\/outbox\/([^"]+)"/.exec(outbox.body)?.[1];
  assert.ok(file, 'the message is listed');
  const message = await owner.get(`/admin/outbox/${file}`);
  assert.equal(message.statusCode, 200);
  assert.ok(message.body.includes(`href="${shownLink.replace(/^/, 'http://veille.test')}"`), 'the link is clickable in the outbox');
  assert.equal((await owner.get('/admin/outbox/..%2F..%2Fetc%2Fpasswd')).statusCode, 404);

  const team = await owner.get('/admin/team');
  assert.match(team.body, /Pending invitations[\s\S]*camille@example.org/);

  const visitor = new TestClient(app);
  const form = await visitor.get(shownLink);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /camille@example.org/);
  const weak = await visitor.postForm(shownLink, { name: 'Camille', password: 'short' });
  assert.equal(weak.statusCode, 422);
  assert.match(weak.body, /value="Camille"/);
  const joined = await visitor.postForm(shownLink, { name: 'Camille Durand', password: 'une phrase de passe assez longue' });
  assert.equal(joined.statusCode, 303);
  assert.equal((await visitor.get('/admin')).statusCode, 200);

  const reused = await new TestClient(app).get(shownLink);
  assert.equal(reused.statusCode, 404, 'an invitation works once');
  await signIn(app, 'camille@example.org', 'une phrase de passe assez longue');

  const members = await owner.get('/admin/team');
  assert.match(members.body, /Camille Durand/);
  assert.doesNotMatch(members.body, /Pending invitations[\s\S]*<td>camille@example.org<\/td>[\s\S]*Revoke/);
});

test('invitations expire after 7 days and can be revoked', async (t) => {
  const clock = manualClock(new Date());
  const { app, services } = await buildTestApp(t, { clock });
  const owner = await setUpOwner(app);
  const first = await owner.postForm('/admin/team/invitations', { email: 'late@example.org', role: 'editor' });
  const link = /value="http:\/\/veille\.test(\/invitations\/[^"]+)"/.exec(first.body)![1]!;
  clock.advance(INVITATION_TTL_MS + 1000);
  const expired = await new TestClient(app).get(link);
  assert.equal(expired.statusCode, 404);
  assert.match(expired.body, /invalid or has expired/);

  await owner.postForm('/admin/team/invitations', { email: 'revoked@example.org', role: 'editor' });
  const [pending] = await services.accounts.listPendingInvitations({ actor: OPERATOR });
  assert.equal(pending?.email, 'revoked@example.org');
  const revoked = await owner.postForm(`/admin/team/invitations/${pending!.id}/revoke`);
  assert.equal(revoked.statusCode, 303);
  assert.equal((await services.accounts.listPendingInvitations({ actor: OPERATOR })).length, 0);
});

test('invitation form errors keep the input; existing members cannot be invited', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const bad = await owner.postForm('/admin/team/invitations', { email: 'not an email', role: 'editor' });
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /value="not an email"/);
  const badRole = await owner.postForm('/admin/team/invitations', { email: 'a@example.org', role: 'admin' });
  assert.equal(badRole.statusCode, 422);
  assert.match(badRole.body, /Role must be owner or editor/);
  const existing = await owner.postForm('/admin/team/invitations', { email: OWNER.email, role: 'editor' });
  assert.equal(existing.statusCode, 422);
  assert.match(existing.body, /already has an account/);
  const htmx = await owner.postForm('/admin/team/invitations', { email: 'bad', role: 'editor' }, { 'hx-request': 'true' });
  assert.equal(htmx.statusCode, 422);
  assert.match(htmx.body, /^<div id="team">/, 'htmx gets the team fragment only');
});

test('roles: editors cannot manage the team, a role change ends sessions, the last owner stays', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const [ownerUser] = await services.accounts.listUsers();
  const editorUser = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'editor@example.org',
    name: 'Eddie',
    role: 'editor',
    password: 'editor passphrase long enough',
  });
  const editor = await signIn(app, 'editor@example.org', 'editor passphrase long enough');

  const refused = await editor.postForm('/admin/team/invitations', { email: 'x@example.org', role: 'owner' });
  assert.equal(refused.statusCode, 403);
  const selfPromote = await editor.postForm(`/admin/team/users/${editorUser.id}/role`, { role: 'owner' });
  assert.equal(selfPromote.statusCode, 403);
  const settings = await editor.postForm('/admin/settings', { newsletterName: 'Mine', description: '' });
  assert.equal(settings.statusCode, 403);

  const promoted = await owner.postForm(`/admin/team/users/${editorUser.id}/role`, { role: 'owner' });
  assert.equal(promoted.statusCode, 303);
  assert.equal((await editor.get('/admin')).statusCode, 303, 'the editor was signed out by the role change');
  assert.equal((await services.accounts.getUser({ id: editorUser.id })).role, 'owner');

  const demoteSelf = await owner.postForm(`/admin/team/users/${ownerUser!.id}/role`, { role: 'editor' });
  assert.equal(demoteSelf.statusCode, 303, 'allowed: another owner exists now');
  const newOwner = await signIn(app, 'editor@example.org', 'editor passphrase long enough');
  const lastOwner = await newOwner.postForm(`/admin/team/users/${editorUser.id}/role`, { role: 'editor' });
  assert.equal(lastOwner.statusCode, 409);
  assert.match(lastOwner.body, /at least one owner/);
  const removeLast = await newOwner.postForm(`/admin/team/users/${editorUser.id}/remove`);
  assert.equal(removeLast.statusCode, 409);

  const removed = await newOwner.postForm(`/admin/team/users/${ownerUser!.id}/remove`);
  assert.equal(removed.statusCode, 303);
  assert.equal((await services.accounts.listUsers()).length, 1);
  const unknown = await newOwner.postForm('/admin/team/users/not-a-uuid/remove');
  assert.equal(unknown.statusCode, 400);
  const missing = await newOwner.postForm('/admin/team/users/00000000-0000-4000-8000-000000000000/remove');
  assert.equal(missing.statusCode, 404);
});
