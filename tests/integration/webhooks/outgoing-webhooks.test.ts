import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { verifySignatureHeader } from '../../../apps/domain/webhooks/webhook-signing.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { OWNER, setUpOwner } from '../../helpers/client.ts';
import { until } from '../../helpers/wait.ts';

type Call = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** A local receiver: records each call; `answer` decides the status (by default 200). */
async function startReceiver(t: TestContext, answer: (call: Call, index: number) => number = () => 200) {
  const calls: Call[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const call = { path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      calls.push(call);
      const status = answer(call, calls.length - 1);
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

test('registered in the admin, each event is signed, retried with back-off after a failure, and listed on the hook’s page', async (t) => {
  // The first call of each event fails: every delivery needs a retry.
  const failedOnce = new Set<string>();
  const receiver = await startReceiver(t, (call) => {
    const id = (JSON.parse(call.body) as { id: string }).id;
    if (failedOnce.has(id)) return 200;
    failedOnce.add(id);
    return 503;
  });
  const testApp = await buildTestApp(t, { worker: true, env: { FETCH_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SECONDS: '1' } });
  const { app, services } = testApp;
  const client = await setUpOwner(app);

  const refused = await client.postForm('/admin/webhooks', { url: 'ftp://example.org/x', events: 'subscriber.confirmed' });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /must start with https:\/\//);
  assert.match(refused.body, /value="ftp:\/\/example.org\/x"/, 'what was typed is kept');
  const noEvents = await client.postForm('/admin/webhooks', { url: `${receiver.origin}/hooks` });
  assert.equal(noEvents.statusCode, 422);
  assert.match(noEvents.body, /Choose at least one event/);

  const created = await client.postForm('/admin/webhooks', {
    url: `${receiver.origin}/hooks`,
    description: 'CRM sync',
    events: ['subscriber.confirmed', 'subscriber.unsubscribed', 'edition.published'],
  });
  assert.equal(created.statusCode, 303);
  const hookPath = created.headers.location as string;
  const [hook] = await services.webhooks.list({ actor: OPERATOR });
  assert.equal(hookPath, `/admin/webhooks/${hook!.id}`);

  // Events announced by the services, each in one place.
  const reader = await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: reader.id }).split('token=')[1]! });
  const delivered = await until(
    'both events delivered',
    async () => {
      const { deliveries } = await services.webhooks.get({ actor: OPERATOR, id: hook!.id });
      return deliveries.length === 2 && deliveries.every((delivery) => delivery.status === 'delivered') && deliveries;
    },
    30_000,
  );
  assert.deepEqual(delivered.map((delivery) => [delivery.event, delivery.attempts, delivery.responseCode]).reverse(), [
    ['subscriber.confirmed', 2, 200],
    ['subscriber.unsubscribed', 2, 200],
  ]);

  // Every call is signed: the receiver checks it with the hook's secret, as the page explains.
  assert.equal(receiver.calls.length, 4);
  for (const call of receiver.calls) {
    assert.equal(call.headers['content-type'], 'application/json');
    assert.ok(
      verifySignatureHeader({ secret: hook!.secret, header: String(call.headers['veille-signature']), body: call.body, now: new Date() }),
      'signature valid',
    );
    assert.equal(verifySignatureHeader({ secret: 'whsec_other', header: String(call.headers['veille-signature']), body: call.body, now: new Date() }), false);
  }
  const bodies = receiver.calls.map((call) => JSON.parse(call.body) as { id: string; type: string; data: { email: string; how?: string; reason?: string } });
  const confirmed = bodies.find((body) => body.type === 'subscriber.confirmed')!;
  assert.deepEqual([confirmed.data.email, confirmed.data.how], ['reader@example.org', 'added']);
  assert.equal(bodies.find((body) => body.type === 'subscriber.unsubscribed')!.data.reason, 'link');
  const attempts = receiver.calls.filter((call) => call.body.includes(confirmed.id));
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0]!.body, attempts[1]!.body, 'a retry sends the same body (and event id), signed anew');
  assert.equal(attempts[0]!.headers['veille-event'], 'subscriber.confirmed');

  const page = await client.get(hookPath);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(hook!.secret));
  assert.match(
    page.body,
    /<code>subscriber.unsubscribed<\/code><\/td><td><span class="badge status-delivered">delivered<\/span><\/td><td>200<\/td><td>2<\/td>/,
  );
  const list = await client.get('/admin/webhooks');
  assert.match(list.body, /CRM sync/);
  // The last call's time as the editor's language writes it (English: "Dec 2, 2026, 4:50 PM").
  assert.match(list.body, /delivered, <time datetime="[^"]+">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M<\/time>/);

  // Turned off, a hook is called no more; the editor of the form keeps its events.
  const off = await client.postForm(hookPath, { url: `${receiver.origin}/hooks`, description: 'CRM sync', events: ['subscriber.confirmed'] });
  assert.equal(off.statusCode, 303);
  await services.subscribers.add({ email: 'other@example.org', actor: OPERATOR });
  assert.equal((await services.webhooks.get({ actor: OPERATOR, id: hook!.id })).deliveries.length, 2, 'nothing recorded for a hook turned off');
});

test('a hook that keeps failing is given up after its last attempt; private addresses and other schemes are refused; owners only', async (t) => {
  const receiver = await startReceiver(t, () => 500);
  const strict = await buildTestApp(t);
  await assert.rejects(
    strict.services.webhooks.create({ actor: OPERATOR, url: 'https://10.0.0.1/hook', events: ['edition.sent'] }),
    (error: { fields: { url: string } }) => /private network/.test(error.fields.url),
  );
  await assert.rejects(
    strict.services.webhooks.create({ actor: OPERATOR, url: 'https://localhost/hook', events: ['edition.sent'] }),
    (error: { fields: { url: string } }) => /private network/.test(error.fields.url),
  );
  await assert.rejects(
    strict.services.webhooks.create({ actor: OPERATOR, url: 'http://example.org/hook', events: ['edition.sent'] }),
    (error: { fields: { url: string } }) => /https/.test(error.fields.url),
  );
  await assert.rejects(
    strict.services.webhooks.create({ actor: OPERATOR, url: 'https://example.org/hook', events: ['nothing.happened'] }),
    (error: { fields: Record<string, string> }) => /Events are/.test(Object.values(error.fields).join(' ')),
  );
  // A name that resolves to a private address is refused when the call is made.
  const sneaky = await strict.services.webhooks.create({ actor: OPERATOR, url: 'https://localtest.me/hook', events: ['subscriber.confirmed'] });
  await strict.services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const [pending] = (await strict.services.webhooks.get({ actor: OPERATOR, id: sneaky.id })).deliveries;
  await assert.rejects(strict.services.webhooks.deliver({ deliveryId: pending!.id }));
  const [afterSneaky] = (await strict.services.webhooks.get({ actor: OPERATOR, id: sneaky.id })).deliveries;
  assert.equal(afterSneaky!.status, 'retrying');
  assert.equal(afterSneaky!.responseCode, null);

  const testApp = await buildTestApp(t, { env: { FETCH_ALLOW_PRIVATE: 'true' } });
  const { services } = testApp;
  const editor = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'camille@example.org',
    name: 'Camille',
    password: OWNER.password,
    role: 'editor',
  });
  await assert.rejects(services.webhooks.list({ actor: editor }), /Only an owner/);
  const hook = await services.webhooks.create({ actor: OPERATOR, url: `${receiver.origin}/down`, events: ['subscriber.confirmed'] });
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const [delivery] = (await services.webhooks.get({ actor: OPERATOR, id: hook.id })).deliveries;
  for (let attempt = 1; attempt < 8; attempt++) await assert.rejects(services.webhooks.deliver({ deliveryId: delivery!.id }), /failed: 500/);
  await services.webhooks.deliver({ deliveryId: delivery!.id });
  const [given] = (await services.webhooks.get({ actor: OPERATOR, id: hook.id })).deliveries;
  assert.deepEqual([given!.status, given!.attempts, given!.responseCode], ['failed', 8, 500]);
  await services.webhooks.deliver({ deliveryId: delivery!.id });
  assert.equal(receiver.calls.length, 8, 'nothing more once given up');
});
