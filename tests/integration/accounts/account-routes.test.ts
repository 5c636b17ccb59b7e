import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, setUpOwner, signIn } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../apps/domain/platform/errors.ts';

test('changing the password checks the current one and signs out the other sessions', async (t) => {
  const { app } = await buildTestApp(t);
  const laptop = await setUpOwner(app);
  const phone = await signIn(app, OWNER.email, OWNER.password);

  const wrong = await laptop.postForm('/admin/account/password', { currentPassword: 'nope', newPassword: 'a brand new passphrase' });
  assert.equal(wrong.statusCode, 422);
  assert.match(wrong.body, /current password is not correct/);
  const weak = await laptop.postForm('/admin/account/password', { currentPassword: OWNER.password, newPassword: 'short' });
  assert.equal(weak.statusCode, 422);
  assert.match(weak.body, /at least 12 characters/);

  const changed = await laptop.postForm('/admin/account/password', { currentPassword: OWNER.password, newPassword: 'a brand new passphrase' });
  assert.equal(changed.statusCode, 303);
  assert.equal((await laptop.get('/admin')).statusCode, 200, 'this session stays');
  assert.equal((await phone.get('/admin')).statusCode, 303, 'the other one ended');
  await signIn(app, OWNER.email, 'a brand new passphrase');
  await assert.rejects(signIn(app, OWNER.email, OWNER.password));
});

test('API tokens are shown once, stored hashed, authenticate the API and can be revoked', async (t) => {
  const { app, database } = await buildTestApp(t);
  const client = await setUpOwner(app);

  const unnamed = await client.postForm('/admin/account/tokens', { name: '  ' });
  assert.equal(unnamed.statusCode, 422);
  assert.match(unnamed.body, /Give the token a name/);

  const created = await client.postForm('/admin/account/tokens', { name: 'import script' });
  assert.equal(created.statusCode, 200);
  const token = /id="new-token" type="text" readonly value="(vt_[^"]+)"/.exec(created.body)?.[1];
  assert.ok(token, 'the token is shown');
  const stored = await database.pool.query('SELECT token_hash, prefix FROM api_tokens');
  assert.equal(stored.rowCount, 1);
  assert.notEqual(stored.rows[0].token_hash, token, 'only a hash is stored');
  assert.ok(token.startsWith(stored.rows[0].prefix));
  const listed = await client.get('/admin/account');
  assert.ok(!listed.body.includes(token), 'never shown again');
  assert.match(listed.body, /import script/);

  const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.statusCode, 200);
  assert.deepEqual({ email: me.json().email, role: me.json().role }, { email: OWNER.email, role: 'owner' });
  assert.equal((await database.pool.query('SELECT last_used_at FROM api_tokens')).rows[0].last_used_at instanceof Date, true);

  for (const authorization of [undefined, 'Bearer', 'Bearer vt_wrong', `Basic ${token}`, `Bearer ${token}x`]) {
    const response = await app.inject({ url: '/api/v1/me', headers: authorization ? { authorization } : {} });
    assert.equal(response.statusCode, 401, String(authorization));
    assert.equal(typeof response.json().message, 'string');
  }
  const withCookieOnly = await app.inject({ url: '/api/v1/me', headers: { cookie: `veille_session=${client.cookies.get('veille_session')}` } });
  assert.equal(withCookieOnly.statusCode, 401, 'the API ignores session cookies');

  const id = /action="\/admin\/account\/tokens\/([0-9a-f-]+)\/revoke"/.exec(listed.body)![1]!;
  const revoked = await client.postForm(`/admin/account/tokens/${id}/revoke`);
  assert.equal(revoked.statusCode, 303);
  const after = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.statusCode, 401);
});

test('a removed user loses their tokens', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const editor = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'e@example.org',
    name: 'E',
    role: 'editor',
    password: 'editor passphrase long enough',
  });
  const { token } = await services.auth.createApiToken({ actor: editor, name: 'script' });
  assert.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
  await services.accounts.removeUser({ actor: owner!, userId: editor.id });
  assert.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
});

test('API tokens outlive a password change, as the page says, unless the box to revoke them is ticked', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const me = async (token: string) => (await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode;
  const first = (await services.auth.createApiToken({ actor: owner!, name: 'script' })).token;
  const second = (await services.auth.createApiToken({ actor: owner!, name: 'bookmarks' })).token;

  const page = await client.get('/admin/account');
  assert.match(page.body, /Your API tokens keep working unless you tick the box above/);
  assert.match(page.body, /name="revokeTokens" value="1"> Also revoke my 2 API tokens/);

  const csrf = await client.csrfToken();
  const kept = await client.post('/admin/account/password', { _csrf: csrf, currentPassword: OWNER.password, newPassword: 'a brand new passphrase' });
  assert.equal(kept.statusCode, 303);
  assert.match(
    (await client.get('/admin/account')).body,
    /Password changed\. Your other sessions have been signed out\. Your 2 API tokens still work: revoke them below if they may have leaked\./,
  );
  assert.deepEqual([await me(first), await me(second)], [200, 200]);

  const revoked = await client.post('/admin/account/password', {
    _csrf: csrf,
    currentPassword: 'a brand new passphrase',
    newPassword: 'yet another long passphrase',
    revokeTokens: '1',
  });
  assert.equal(revoked.statusCode, 303);
  assert.match((await client.get('/admin/account')).body, /signed out and your 2 API tokens were revoked\./);
  assert.deepEqual([await me(first), await me(second)], [401, 401]);

  // The command line's reset says the same and takes the same choice.
  const third = (await services.auth.createApiToken({ actor: owner!, name: 'again' })).token;
  assert.deepEqual(await services.accounts.resetPassword({ actor: OPERATOR, email: OWNER.email, password: 'a reset passphrase, long' }), {
    revoked: 0,
    kept: 1,
  });
  assert.equal(await me(third), 200);
  assert.deepEqual(await services.accounts.resetPassword({ actor: OPERATOR, email: OWNER.email, password: 'another reset passphrase', revokeTokens: true }), {
    revoked: 1,
    kept: 0,
  });
  assert.equal(await me(third), 401);
});

test('a refused form comes back with what was typed, never a secret, and the message beside its field', async (t) => {
  const { app } = await buildTestApp(t);
  const client = await setUpOwner(app);

  const long = await client.postForm('/admin/account/tokens', { name: `import ${'x'.repeat(120)}` });
  assert.equal(long.statusCode, 422);
  assert.match(long.body, /at most 100 characters/);
  assert.match(long.body, new RegExp(`value="import ${'x'.repeat(120)}"`), 'the typed name is kept');

  // A character no text may hold: the same form again (not an error page), the rest of the text kept.
  const control = await client.postForm('/admin/account/tokens', { name: 'import\u0007 script' });
  assert.equal(control.statusCode, 422);
  assert.match(control.body, /control character/);
  assert.match(control.body, /value="import script"/);

  const weak = await client.postForm('/admin/account/password', { currentPassword: OWNER.password, newPassword: 'short' });
  assert.equal(weak.statusCode, 422);
  assert.doesNotMatch(weak.body, new RegExp(OWNER.password), 'passwords are never written back');
  assert.doesNotMatch(weak.body, /value="short"/);
});

test('an API token is its owner’s: another account’s only for who manages the team, and each lists and revokes only their own', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const editor = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'e@example.org',
    name: 'E',
    role: 'editor',
    password: 'editor passphrase long enough',
  });

  // The command line makes one for an account; an editor cannot make one for someone else.
  const forEditor = await services.auth.createApiToken({ actor: OPERATOR, userId: editor.id, name: 'deploy' });
  assert.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${forEditor.token}` } })).json().email, 'e@example.org');
  await assert.rejects(services.auth.createApiToken({ actor: editor, userId: owner!.id, name: 'takeover' }), ForbiddenError);
  await assert.rejects(services.auth.createApiToken({ actor: OPERATOR, userId: '00000000-0000-4000-8000-000000000000', name: 'nobody' }), NotFoundError);
  await assert.rejects(services.auth.createApiToken({ actor: OPERATOR, name: 'mine' }), ValidationError, 'the operator has no account of its own');
  assert.deepEqual((await services.auth.listApiTokens({ actor: owner! })).length, 0);

  const ownersToken = await services.auth.createApiToken({ actor: owner!, name: 'owner script' });
  assert.deepEqual(
    (await services.auth.listApiTokens({ actor: editor })).map((token) => token.name),
    ['deploy'],
  );
  assert.equal(await services.auth.revokeApiToken({ actor: editor, tokenId: ownersToken.record.id }), false, 'not theirs to revoke');
  assert.equal(await services.auth.revokeApiToken({ actor: owner!, tokenId: ownersToken.record.id }), true);
});

test('each editor chooses the admin language, apart from the newsletter’s', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', newsletterName: 'Veille' } });
  const period = await services.editions.currentPeriod();
  await services.editions.ensureDraft({ period });

  // English by default, even on a French newsletter: no French period or word in it.
  const english = await owner.get('/admin/editions');
  assert.match(english.body, /<html lang="en">/);
  assert.match(
    english.body,
    new RegExp(`${new Intl.DateTimeFormat('en-US', { month: 'long', timeZone: 'UTC' }).format(new Date(`${period}-15T12:00:00Z`))} ${period.slice(0, 4)}`),
  );
  assert.doesNotMatch(english.body, /Brouillon|Réglages|(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) 20\d\d<\/td>/i);
  // The draft itself is titled in the newsletter's language.
  const [draft] = await services.editions.list();
  assert.match(draft!.title, /^Veille - [A-ZÉÛ][a-zéû]+ 20\d\d$/);
  assert.doesNotMatch(draft!.title, /January|February|March|April|May|June|July|August|September|October|November|December/);

  const refused = await owner.postForm('/admin/account/language', { locale: 'de' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /Choose English or French/);

  const chosen = await owner.postForm('/admin/account/language', { locale: 'fr' });
  assert.equal(chosen.statusCode, 303);
  const french = await owner.get('/admin/editions');
  assert.match(french.body, /<html lang="fr">/);
  assert.match(french.body, /<h1>Éditions<\/h1>/);
  assert.match(french.body, /Brouillon/);
  assert.match((await owner.get('/admin/account')).body, /<option value="fr" lang="fr" selected>/);
  // Another editor keeps their own choice.
  assert.equal((await services.accounts.listUsers()).find((user) => user.email === OWNER.email)?.locale, 'fr');
});
