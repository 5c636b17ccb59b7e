import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIGN_IN_LIMITS } from '../../../apps/domain/accounts/auth-service.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, TestClient, setUpOwner, signIn } from '../../helpers/client.ts';

test('first run: / and /admin lead to the set-up page until the owner exists', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/', '/admin', '/admin/inbox', '/login']) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 303, url);
    assert.equal(response.headers.location, '/setup', url);
  }
  const setup = await app.inject({ url: '/setup' });
  assert.equal(setup.statusCode, 200);
  assert.match(setup.body, /Create the owner account/);
});

test('set-up validates, keeps what was typed and creates a signed-in owner once', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = new TestClient(app);

  const short = await client.postForm('/setup', { name: 'Nicolas <b>', email: 'nicolas@example.org', password: 'short' });
  assert.equal(short.statusCode, 422);
  assert.match(short.body, /at least 12 characters/);
  assert.match(short.body, /value="Nicolas &lt;b&gt;"/, 'the name typed is kept, escaped');
  assert.match(short.body, /value="nicolas@example.org"/);

  const badEmail = await client.postForm('/setup', { name: 'Nicolas', email: 'not-an-email', password: OWNER.password });
  assert.equal(badEmail.statusCode, 422);
  assert.match(badEmail.body, /valid email address/);

  const weak = await client.postForm('/setup', { name: 'Nicolas', email: 'n@example.org', password: 'password1234' });
  assert.equal(weak.statusCode, 422);
  assert.match(weak.body, /too easy to guess/);

  const created = await client.postForm('/setup', OWNER);
  assert.equal(created.statusCode, 303);
  assert.equal(created.headers.location, '/admin');
  const admin = await client.get('/admin');
  assert.equal(admin.statusCode, 200);
  assert.match(admin.body, /Welcome, Nicolas Martin/);
  assert.match(admin.body, /Inbox/);
  assert.match(admin.body, /Subscribers/);

  const [owner] = await services.accounts.listUsers();
  assert.equal(owner?.role, 'owner');

  const intruder = new TestClient(app);
  const again = await intruder.post('/setup', {
    name: 'Intruder',
    email: 'x@example.org',
    password: 'another long passphrase',
    _csrf: await intruder.csrfToken('/login'),
  });
  assert.equal(again.statusCode, 409);
  assert.equal((await new TestClient(app).post('/setup', { name: 'Intruder', email: 'x@example.org', password: 'another long passphrase' })).statusCode, 409);
  assert.equal((await services.accounts.listUsers()).length, 1);
  const setupPage = await app.inject({ url: '/setup' });
  assert.equal(setupPage.headers.location, '/login');
});

test('the session and flash cookies are HttpOnly, SameSite=Lax, and Secure only behind https', async (t) => {
  const cookieNamed = (headers: Record<string, unknown>, name: string) =>
    [headers['set-cookie']]
      .flat()
      .map(String)
      .find((value) => value.startsWith(`${name}=`));
  const { app } = await buildTestApp(t);
  const response = await new TestClient(app).postForm('/setup', OWNER);
  for (const name of ['veille_session', 'veille_flash']) {
    const cookie = cookieNamed(response.headers, name);
    assert.ok(cookie, name);
    assert.match(cookie, /HttpOnly/, name);
    assert.match(cookie, /SameSite=Lax/, name);
    assert.doesNotMatch(cookie, /Secure/, name);
  }

  const secure = await buildTestApp(t, { env: { PUBLIC_URL: 'https://news.example.org' } });
  const client = new TestClient(secure.app);
  const secureResponse = await client.postForm('/setup', OWNER);
  assert.match(cookieNamed(secureResponse.headers, 'veille_session') ?? '', /; Secure/);
  assert.match(cookieNamed(secureResponse.headers, 'veille_flash') ?? '', /; Secure/);
  // Reading the message clears it with the same attributes.
  assert.match(cookieNamed((await client.get('/admin')).headers, 'veille_flash') ?? '', /^veille_flash=;.*; Secure/);
});

test('sign-in, set-up and invitation forms need the token of their own page: a form from elsewhere signs no one in', async (t) => {
  const { app, services } = await buildTestApp(t);
  const formToken = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

  // Set-up: without a token, or with a token and cookie pair taken from another browser.
  const attacker = new TestClient(app);
  const attackerToken = formToken((await attacker.get('/setup')).body)!;
  assert.ok(attackerToken, 'the set-up form carries a token');
  const victim = new TestClient(app);
  const missing = await victim.post('/setup', OWNER);
  assert.equal(missing.statusCode, 403);
  assert.match(missing.body, /has expired or did not come from this page/);
  assert.match(missing.body, /value="Nicolas Martin"/, 'what was typed is kept');
  assert.ok(formToken(missing.body), 'the form comes back with a fresh token');
  const foreign = await victim.post('/setup', { ...OWNER, _csrf: attackerToken });
  assert.equal(foreign.statusCode, 403, 'a token is only good with the cookie its page set');
  assert.equal((await services.accounts.listUsers()).length, 0);
  assert.equal((await victim.post('/setup', { ...OWNER, _csrf: formToken(foreign.body)! })).statusCode, 303, 'the renewed form goes through');

  // Sign-in: the attacker's own valid pair, replayed from a victim's browser, opens no session.
  const attackerLogin = formToken((await attacker.get('/login')).body)!;
  const stranger = new TestClient(app);
  for (const body of [
    { email: OWNER.email, password: OWNER.password },
    { email: OWNER.email, password: OWNER.password, _csrf: attackerLogin },
    { email: OWNER.email, password: OWNER.password, _csrf: '' },
  ]) {
    const refused = await stranger.post('/login', body);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /value="nicolas@example.org"/);
    assert.equal(stranger.cookies.has('veille_session'), false);
  }
  assert.equal((await stranger.postForm('/login', { email: OWNER.email, password: OWNER.password })).statusCode, 303);

  // An invitation.
  const [owner] = await services.accounts.listUsers();
  const invitation = await services.accounts.invite({ actor: owner!, email: 'camille@example.org', role: 'editor' });
  const invitationPath = new URL(invitation.link).pathname;
  const invited = new TestClient(app);
  const refused = await invited.post(invitationPath, { name: 'Camille', password: 'une phrase de passe assez longue' });
  assert.equal(refused.statusCode, 403);
  assert.match(refused.body, /value="Camille"/);
  assert.equal((await invited.postForm(invitationPath, { name: 'Camille', password: 'une phrase de passe assez longue' })).statusCode, 303);
});

test('the pre-session cookie is HttpOnly and SameSite=Strict, and __Host- and Secure behind https', async (t) => {
  const { app } = await buildTestApp(t);
  const plain = String((await app.inject({ url: '/setup' })).headers['set-cookie']);
  assert.match(plain, /^veille_presession=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Strict$/);
  const secure = await buildTestApp(t, { env: { PUBLIC_URL: 'https://news.example.org' } });
  const cookie = String((await secure.app.inject({ url: '/setup' })).headers['set-cookie']);
  assert.match(cookie, /^__Host-veille_presession=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  const owner = await setUpOwner(secure.app);
  assert.ok(owner.cookies.has('veille_session'), 'set-up works with the __Host- cookie');
});

test('a wrong email and a wrong password get the same answer', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const wrongPassword = await new TestClient(app).postForm('/login', { email: OWNER.email, password: 'not the password at all' });
  const wrongEmail = await new TestClient(app).postForm('/login', { email: 'nobody@example.org', password: OWNER.password });
  assert.equal(wrongPassword.statusCode, 401);
  assert.equal(wrongEmail.statusCode, 401);
  const message = (body: string) => /<div class="alert alert-error" role="alert">([^<]*)<\/div>/.exec(body)?.[1];
  assert.equal(message(wrongPassword.body), 'Incorrect email or password.');
  assert.equal(message(wrongEmail.body), message(wrongPassword.body));
  assert.match(wrongEmail.body, /value="nobody@example.org"/, 'the email typed is kept');
  assert.equal(wrongEmail.headers['set-cookie'], undefined);

  const empty = await new TestClient(app).postForm('/login', { email: '', password: '' });
  assert.equal(empty.statusCode, 422);
  assert.match(empty.body, /Email is required/);
});

test('sign-in is case-insensitive on the email, rotates the session and follows only local next URLs', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const client = new TestClient(app);
  client.cookies.set('veille_session', 'planted-session-id');
  const response = await client.postForm('/login', { email: 'NICOLAS@example.org', password: OWNER.password, next: '/admin/team' });
  assert.equal(response.statusCode, 303);
  assert.equal(response.headers.location, '/admin/team');
  assert.notEqual(client.cookies.get('veille_session'), 'planted-session-id');

  for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
    const other = await new TestClient(app).postForm('/login', { email: OWNER.email, password: OWNER.password, next });
    assert.equal(other.headers.location, '/admin', next);
  }
});

test('after sign-in only pages of this site are followed: the Location never leads elsewhere, and odd targets are no 500', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const hostile = [
    '/%09/evil.example',
    '/%5Cevil.example',
    '%2F%2Fevil.example',
    '/%0d%0a',
    '/%0D%0ASet-Cookie:%20x=1',
    'https%3A%2F%2Fevil.example',
    '/%E0%A4%A',
  ];
  for (const next of hostile) {
    const form = await new TestClient(app).get(`/login?next=${next}`);
    assert.equal(form.statusCode, 200, next);
    assert.match(form.body, /name="next" value="\/admin"/, next);
  }
  for (const next of ['/\t/evil.example', '/\\evil.example', '//evil.example', '/\r\n', 'https://evil.example', '/%09/evil.example', '/%E0%A4%A']) {
    const signedIn = await new TestClient(app).postForm('/login', { email: OWNER.email, password: OWNER.password, next });
    assert.equal(signedIn.statusCode, 303, next);
    assert.equal(signedIn.headers.location, '/admin', next);
  }
  // A NUL is refused before sign-in is even looked at, as in every field.
  assert.equal((await new TestClient(app).get('/login?next=/%00')).statusCode, 400);
  const client = await signIn(app, OWNER.email, OWNER.password);
  for (const next of hostile) {
    const already = await client.get(`/login?next=${next}`);
    assert.equal(already.statusCode, 303, next);
    assert.equal(already.headers.location, '/admin', next);
  }
  assert.equal((await client.get('/login?next=%2Fadmin%2Fteam%3Fx%3D1')).headers.location, '/admin/team?x=1');
});

test('an htmx request whose session ended goes back to its own page after sign-in, whatever HX-Current-URL holds', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const cases: Array<[string, string]> = [
    ['http://veille.test/admin/inbox?tag=k8s', '/login?next=%2Fadmin%2Finbox%3Ftag%3Dk8s'],
    ['not a url', '/login?next=%2Fadmin'],
    ['http://[::1', '/login?next=%2Fadmin'],
    ['https://evil.example/admin', '/login?next=%2Fadmin'],
    ['http://veille.test/%09/evil.example', '/login?next=%2Fadmin'],
  ];
  for (const [current, redirect] of cases) {
    const response = await app.inject({ url: '/admin/inbox', headers: { 'hx-request': 'true', 'hx-current-url': current } });
    assert.equal(response.statusCode, 401, current);
    assert.equal(response.headers['hx-redirect'], redirect, current);
  }
});

test('failed sign-ins are slowed down per account and per IP with a clear 429', async (t) => {
  const clock = manualClock(new Date());
  const { app } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  let last;
  for (let attempt = 0; attempt <= SIGN_IN_LIMITS.freeFailures; attempt++) {
    last = await new TestClient(app).postForm(
      '/login',
      { email: OWNER.email, password: `wrong password ${attempt}` },
      { 'x-forwarded-for': `10.0.0.${attempt}` },
    );
  }
  assert.equal(last!.statusCode, 429);
  assert.match(last!.body, /Too many failed sign-in attempts. Wait 1 second before trying again/);
  assert.equal(last!.headers['retry-after'], '1');
  // The right password is only asked to wait, as long as the last failure said.
  clock.advance(1000);
  const waited = await new TestClient(app).postForm('/login', { email: OWNER.email, password: OWNER.password });
  assert.equal(waited.statusCode, 303);

  const other = await buildTestApp(t);
  await setUpOwner(other.app);
  let fromIp;
  for (let attempt = 0; attempt <= SIGN_IN_LIMITS.perIp; attempt++) {
    fromIp = await new TestClient(other.app).postForm('/login', { email: `user${attempt}@example.org`, password: 'whatever it is' });
  }
  assert.equal(fromIp!.statusCode, 429);
});

test('health check answers 200 with the database and 503 without it', async (t) => {
  const { app, database } = await buildTestApp(t);
  const ok = await app.inject({ url: '/healthz' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { status: 'ok' });
  await database.pool.end();
  const down = await app.inject({ url: '/healthz' });
  assert.equal(down.statusCode, 503);
  assert.equal(down.json().status, 'unavailable');
  // The pool is closed already; closing it twice in the clean-up must not fail the test.
  database.close = async () => undefined;
});

test('malformed and hostile input gets a 4xx, never a 500', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const cases = [
    { method: 'POST' as const, url: '/login', payload: '{"email":', headers: { 'content-type': 'application/json' } },
    { method: 'POST' as const, url: '/login', payload: 'email=a', headers: { 'content-type': 'text/csv' } },
    { method: 'POST' as const, url: '/login', payload: `email=${'a'.repeat(300 * 1024)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    {
      method: 'POST' as const,
      url: '/login',
      payload: `email=${'a'.repeat(5000)}&password=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    { method: 'POST' as const, url: '/login', payload: '["email"]', headers: { 'content-type': 'application/json' } },
    { method: 'POST' as const, url: '/setup', payload: 'name[]=a&name[]=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { method: 'GET' as const, url: '/invitations/%E0%A4%A', headers: {} },
    { method: 'GET' as const, url: `/invitations/${'x'.repeat(5000)}`, headers: {} },
  ];
  for (const request of cases) {
    const response = await app.inject(request);
    assert.ok(
      response.statusCode >= 400 && response.statusCode < 500,
      `${request.method} ${request.url.slice(0, 40)} ${request.headers['content-type'] ?? ''} answered ${response.statusCode}`,
    );
    assert.doesNotMatch(response.body, /at .*\.ts:\d+/, 'no stack trace');
  }
  const notFound = await app.inject({ url: '/no/such/page', headers: { accept: 'text/html' } });
  assert.equal(notFound.statusCode, 404);
  assert.match(notFound.body, /Page not found/);
});

test('the signed-in user is shown and signing in when already signed in goes to the admin', async (t) => {
  const { app } = await buildTestApp(t);
  await setUpOwner(app);
  const client = await signIn(app, OWNER.email, OWNER.password);
  const login = await client.get('/login');
  assert.equal(login.statusCode, 303);
  assert.equal(login.headers.location, '/admin');
  const page = await client.get('/admin');
  assert.match(page.body, /nicolas@example.org/);
});

test('an invitation form whose invitation has gone answers 404 with the reason, however it was refused', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const invitation = await services.accounts.invite({ actor: owner!, email: 'camille@example.org', role: 'editor' });
  const path = new URL(invitation.link).pathname;
  const visitor = new TestClient(app);
  const token = await visitor.csrfToken(path);
  const [pending] = await services.accounts.listPendingInvitations({ actor: owner! });
  await services.accounts.revokeInvitation({ actor: owner!, id: pending!.id });

  for (const [what, body] of [
    ['a valid form', { name: 'Camille', password: 'une phrase de passe assez longue', _csrf: token }],
    ['a weak password', { name: 'Camille', password: 'short', _csrf: token }],
    ['no token', { name: 'Camille', password: 'une phrase de passe assez longue' }],
  ] as const) {
    const refused = await visitor.post(path, body);
    assert.equal(refused.statusCode, 404, what);
    assert.match(refused.body, /<h1>Invitation not valid<\/h1>/, what);
    assert.match(refused.body, /invalid or has expired/, what);
  }
  assert.match((await visitor.get(path)).body, /<h1>Invitation not valid<\/h1>/);
  assert.equal((await services.accounts.listUsers()).length, 1);
});

test('a sign-in without email or password is refused before anything is counted', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  for (let attempt = 0; attempt <= SIGN_IN_LIMITS.perIp + 1; attempt++) {
    const empty = await new TestClient(app).postForm('/login', { email: OWNER.email, password: '' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Password is required/);
  }
  await assert.rejects(
    services.auth.signIn({ email: ' ', password: 'x', ip: '10.0.0.1' }),
    (error: Error & { fields?: Record<string, string> }) => error.fields?.email === 'Email is required.',
  );
  assert.equal(
    (await new TestClient(app).postForm('/login', { email: OWNER.email, password: OWNER.password })).statusCode,
    303,
    'no attempt was counted against the address or the account',
  );
});
