import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIGN_IN_LIMITS, signInDelayMs } from '../../../apps/domain/accounts/auth-service.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { RateLimitedError, UnauthenticatedError } from '../../../apps/domain/platform/errors.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, TestClient, setUpOwner } from '../../helpers/client.ts';

const IP = '203.0.113.7';

/** Signs in through the service; the outcome as a word, and the wait asked for when refused. */
async function attempt(auth: Awaited<ReturnType<typeof buildTestApp>>['services']['auth'], email: string, password: string, ip = IP) {
  try {
    await auth.signIn({ email, password, ip });
    return { outcome: 'signed in' as const, retryAfter: 0 };
  } catch (error) {
    if (error instanceof UnauthenticatedError) return { outcome: 'wrong' as const, retryAfter: 0 };
    if (error instanceof RateLimitedError) return { outcome: 'wait' as const, retryAfter: error.retryAfterSeconds, message: error.message };
    throw error;
  }
}

test('successful sign-ins never count: 100 in a row from one address all succeed', async (t) => {
  const clock = manualClock(new Date());
  const { app, services } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  for (let index = 0; index < 100; index++) {
    assert.equal((await attempt(services.auth, OWNER.email, OWNER.password)).outcome, 'signed in', `sign-in ${index + 1}`);
  }
  // Through the form as well (31 used to give a 429).
  for (let index = 0; index < SIGN_IN_LIMITS.perIp + 1; index++) {
    assert.equal((await new TestClient(app).postForm('/login', { email: OWNER.email, password: OWNER.password })).statusCode, 303, `form sign-in ${index + 1}`);
  }
});

test('an account’s failures make the next attempt wait, doubling up to a cap; the right password then works, and resets the count', async (t) => {
  const clock = manualClock(new Date());
  const { app, services } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  const { auth } = services;

  for (let index = 0; index < SIGN_IN_LIMITS.freeFailures; index++) {
    assert.equal((await attempt(auth, OWNER.email, `wrong ${index}`)).outcome, 'wrong', `free failure ${index + 1}`);
  }
  // Beyond the free failures, each attempt waits 1 s, 2 s, 4 s... after the previous one.
  const waits: number[] = [];
  for (let failure = SIGN_IN_LIMITS.freeFailures; failure < SIGN_IN_LIMITS.freeFailures + 4; failure++) {
    const early = await attempt(auth, OWNER.email, 'wrong again');
    assert.equal(early.outcome, 'wait');
    waits.push(early.retryAfter);
    // Asking again during the wait neither checks the password nor makes the wait longer.
    clock.advance(signInDelayMs(failure) - 1);
    assert.equal((await attempt(auth, OWNER.email, OWNER.password)).outcome, 'wait', 'even the right password waits');
    clock.advance(1);
    assert.equal((await attempt(auth, OWNER.email, 'wrong again')).outcome, 'wrong');
  }
  assert.deepEqual(waits, [1, 2, 4, 8]);

  // After 9 failures the right password works 16 s later, not 15 minutes.
  const ninth = await attempt(auth, OWNER.email, OWNER.password);
  assert.deepEqual([ninth.outcome, ninth.retryAfter], ['wait', 16]);
  assert.match(ninth.message!, /Wait 16 seconds before trying again/);
  clock.advance(16_000);
  assert.equal((await attempt(auth, OWNER.email, OWNER.password)).outcome, 'signed in');

  // The success cleared the failures: the free ones are free again.
  for (let index = 0; index < SIGN_IN_LIMITS.freeFailures; index++) assert.equal((await attempt(auth, OWNER.email, 'wrong')).outcome, 'wrong');
  assert.equal((await attempt(auth, OWNER.email, 'wrong')).outcome, 'wait');

  // The wait is capped.
  assert.equal(signInDelayMs(SIGN_IN_LIMITS.freeFailures + 40), SIGN_IN_LIMITS.maxDelayMs);
  for (let index = 0; index < 30; index++) {
    clock.advance(SIGN_IN_LIMITS.maxDelayMs);
    assert.equal((await attempt(auth, OWNER.email, 'wrong', `198.51.100.${index}`)).outcome, 'wrong');
  }
  const capped = await attempt(auth, OWNER.email, OWNER.password);
  assert.equal(capped.retryAfter, SIGN_IN_LIMITS.maxDelayMs / 1000);
  assert.match(capped.message!, /Wait 15 minutes/);
  clock.advance(SIGN_IN_LIMITS.maxDelayMs);
  assert.equal((await attempt(auth, OWNER.email, OWNER.password)).outcome, 'signed in');
});

test('parallel guesses cannot slip past the wait: they queue behind the account’s counter', async (t) => {
  const clock = manualClock(new Date());
  const { app, services } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  const results = await Promise.all(Array.from({ length: 12 }, (_, index) => attempt(services.auth, OWNER.email, `guess ${index}`, `192.0.2.${index}`)));
  const checked = results.filter((result) => result.outcome === 'wrong').length;
  assert.equal(checked, SIGN_IN_LIMITS.freeFailures, 'the free failures only: the others arrive before the wait is over (the clock stands still)');
  assert.equal(results.filter((result) => result.outcome === 'wait').length, 12 - checked);
});

test('one address spraying many accounts is stopped after its failures; its successes do not count', async (t) => {
  const clock = manualClock(new Date());
  const { app, services } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  for (let index = 0; index < SIGN_IN_LIMITS.perIp; index++) {
    assert.equal((await attempt(services.auth, `user${index}@example.org`, 'Winter2026!')).outcome, 'wrong');
    // Interleaved successes from the same address change nothing.
    if (index % 10 === 0) assert.equal((await attempt(services.auth, OWNER.email, OWNER.password)).outcome, 'signed in');
  }
  const stopped = await attempt(services.auth, 'user999@example.org', 'Winter2026!');
  assert.equal(stopped.outcome, 'wait');
  assert.ok(stopped.retryAfter > 0 && stopped.retryAfter <= 15 * 60);
  assert.equal((await attempt(services.auth, OWNER.email, OWNER.password, '198.51.100.1')).outcome, 'signed in', 'other addresses are not affected');
  clock.advance(15 * 60 * 1000);
  assert.equal((await attempt(services.auth, 'user999@example.org', 'Winter2026!')).outcome, 'wrong', 'the window ends');
});

test('a wrong email and a wrong password get the same answer, also once they must wait', async (t) => {
  const clock = manualClock(new Date());
  const { app } = await buildTestApp(t, { clock });
  await setUpOwner(app);
  const answer = async (email: string) => {
    const response = await new TestClient(app).postForm('/login', { email, password: 'not the password' });
    // Each answer renews the form's pre-session token: only that may differ.
    const { date: _date, 'content-length': _length, 'set-cookie': _cookie, ...headers } = response.headers;
    return {
      status: response.statusCode,
      headers,
      body: response.body
        .replaceAll(email, 'EMAIL')
        .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf"')
        .replace(/"X-CSRF-Token": "[^"]*"/g, '"X-CSRF-Token"'),
    };
  };
  for (let index = 0; index <= SIGN_IN_LIMITS.freeFailures; index++) {
    const known = await answer(OWNER.email);
    const unknown = await answer('nobody@example.org');
    assert.deepEqual(unknown, known, `attempt ${index + 1}`);
    assert.equal(known.status, index < SIGN_IN_LIMITS.freeFailures ? 401 : 429);
  }
});
