import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { dkimVerify } from 'mailauth';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { createSmtpMailer } from '../../../apps/domain/mail/mailer.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { publishEdition } from '../../helpers/send-fixture.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

/** An app sending through a real SMTP server, with a published edition of three links. */
async function withPublishedEdition(
  t: Parameters<typeof buildTestApp>[0],
  sink: { url: string },
  clock = manualClock(new Date()),
  dkim?: Parameters<typeof createSmtpMailer>[0]['dkim'],
): Promise<TestApp & { clock: ReturnType<typeof manualClock> }> {
  const testApp = await buildTestApp(t, {
    clock,
    mailer: createSmtpMailer({ url: sink.url, from: 'Veille <news@veille.test>', maxConnections: 3, ...(dkim ? { dkim } : {}) }),
  });
  await publishEdition(testApp, ['Caddy 2.8', 'Traefik 3', 'Docker 27']);
  return { ...testApp, clock };
}

async function addSubscribers(testApp: TestApp, emails: string[]) {
  for (const email of emails) await testApp.services.subscribers.add({ email, actor: OPERATOR });
}

/** Works the send in this process, as the worker's job does, until nothing is left to do now. */
async function runSend(testApp: TestApp, period = '2024-06') {
  const status = await testApp.services.delivery.status({ period, actor: OPERATOR });
  await testApp.services.delivery.run({ sendId: status.send!.id });
  return testApp.services.delivery.status({ period, actor: OPERATOR });
}

test('each active subscriber gets the edition once, with one-click unsubscribe headers and both parts', async (t) => {
  const sink = await startSmtpSink(t);
  const testApp = await withPublishedEdition(t, sink);
  const { services, app } = testApp;
  const readers = Array.from({ length: 7 }, (_, index) => `reader${index}@example.org`);
  await addSubscribers(testApp, readers);
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'test', ip: '127.0.0.1' });
  const leaver = await services.subscribers.add({ email: 'gone@example.org', actor: OPERATOR });
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: leaver.id }).split('token=')[1]! });

  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal(send.total, 7, 'only active subscribers are in the audience');
  await assert.rejects(services.delivery.start({ period: '2024-06', actor: OPERATOR }), /already been sent/);
  const status = await runSend(testApp);
  assert.equal(status.send!.status, 'done');
  assert.deepEqual({ sent: status.progress!.sent, failed: status.progress!.failed }, { sent: 7, failed: 0 });

  const editions = sink.received.filter((message) => message.subject === 'Web, Ops & Data - Juin 2024');
  assert.deepEqual(editions.map((message) => message.envelopeTo[0]).sort(), [...readers].sort(), 'exactly one message each, nobody else');
  const message = editions.find((candidate) => candidate.envelopeTo[0] === 'reader3@example.org')!;
  const header = (name: string) => message.headers.find((entry) => entry.key === name)?.value ?? '';
  assert.match(header('list-unsubscribe'), /^<http:\/\/veille\.test\/unsubscribe\?token=[^>]+>, <mailto:news@veille\.test\?subject=unsubscribe>$/);
  assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  assert.match(header('list-id'), /^Web, Ops & Data <newsletter\.veille\.test>$/);
  assert.match(message.messageId ?? '', new RegExp(`^<${send.editionId}\\.[0-9a-f-]{36}@veille\\.test>$`));
  assert.match(message.from?.address ?? '', /news@veille\.test/);
  // Each link goes through its counted address (clicks are counted by default), which leads to its page.
  const counted = [...new Set(message.html?.match(/http:\/\/veille\.test\/c\/[^"\s]+/g) ?? [])];
  const targets: string[] = [];
  for (const url of counted) {
    assert.ok(message.text?.includes(url), `text has ${url}`);
    targets.push(String((await app.inject({ method: 'HEAD', url: url.replace('http://veille.test', '') })).headers.location));
  }
  assert.deepEqual(targets.sort(), ['https://links.example/0', 'https://links.example/1', 'https://links.example/2']);
  assert.match(message.text ?? '', /Caddy 2\.8/);
  assert.match(message.html ?? '', /http:\/\/veille\.test\/2024\/06\//, 'view in browser');

  // The header's link unsubscribes in one click, without cookie.
  const oneClick = new URL(/<(http[^>]+)>/.exec(header('list-unsubscribe'))![1]!);
  const response = await app.inject({
    method: 'POST',
    url: oneClick.pathname + oneClick.search,
    payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(response.statusCode, 200);
  assert.equal((await services.subscribers.list({ q: 'reader3@', actor: OPERATOR })).rows[0]?.status, 'unsubscribed');
});

test('temporary failures are retried later, permanent ones fail and "no such user" bounces the subscriber', async (t) => {
  let refusedOnce = false;
  const sink = await startSmtpSink(t, {
    reject(recipient) {
      if (recipient === 'busy@example.org' && !refusedOnce) {
        refusedOnce = true;
        return { code: 451, message: '4.3.0 Try again later' };
      }
      if (recipient === 'nobody@example.org') return { code: 550, message: '5.1.1 User unknown' };
      return undefined;
    },
  });
  const testApp = await withPublishedEdition(t, sink);
  const { services, clock } = testApp;
  await addSubscribers(testApp, ['ok@example.org', 'busy@example.org', 'nobody@example.org']);
  await services.delivery.start({ period: '2024-06', actor: OPERATOR });

  let status = await runSend(testApp);
  assert.deepEqual({ sent: status.progress!.sent, failed: status.progress!.failed, queued: status.progress!.queued }, { sent: 1, failed: 1, queued: 1 });
  assert.equal(status.send!.status, 'sending', 'not done while a retry is pending');
  assert.equal((await services.subscribers.list({ q: 'nobody', actor: OPERATOR })).rows[0]?.status, 'bounced');
  const failed = status.report.find((row) => row.email === 'nobody@example.org')!;
  assert.match(failed.smtpResponse ?? '', /User unknown/);

  // Nothing is due before the back-off has passed.
  status = await runSend(testApp);
  assert.equal(status.progress!.queued, 1);
  clock.advance(31_000);
  status = await runSend(testApp);
  assert.deepEqual({ sent: status.progress!.sent, queued: status.progress!.queued }, { sent: 2, queued: 0 });
  assert.equal(status.send!.status, 'done');
  assert.equal(sink.received.filter((message) => message.envelopeTo.includes('busy@example.org')).length, 1);

  // "Retry the failed ones" queues them again.
  assert.equal(await services.delivery.retryFailed({ period: '2024-06' }), 1);
});

test('a send interrupted by a dead worker resumes: nobody is lost, nobody gets two different messages', async (t) => {
  const sink = await startSmtpSink(t);
  const testApp = await withPublishedEdition(t, sink);
  const { services, clock, database } = testApp;
  const readers = Array.from({ length: 30 }, (_, index) => `r${index}@example.org`);
  await addSubscribers(testApp, readers);
  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });

  // A worker claimed 10 deliveries and died before recording anything; 5 of them had reached the SMTP server.
  const { rows: claimed } = await database.pool.query<{ id: string; email: string }>(
    `UPDATE deliveries d SET status = 'sending', claimed_at = now(), attempts = 1 FROM subscribers s
     WHERE d.subscriber_id = s.id AND d.id IN (SELECT id FROM deliveries WHERE send_id = $1 ORDER BY id LIMIT 10) RETURNING d.id, s.email`,
    [send.id],
  );
  assert.equal(claimed.length, 10);
  // Meanwhile someone unsubscribed: they must get nothing more.
  const leaving = (await services.subscribers.list({ q: 'r29@', actor: OPERATOR })).rows[0]!;
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: leaving.id }).split('token=')[1]! });

  // A restarted worker: claims still fresh are left alone, stale ones go back to the queue.
  assert.equal(await services.delivery.recover(), 0);
  clock.advance(3 * 60_000);
  assert.equal(await services.delivery.recover(), 10);
  const status = await runSend(testApp);
  assert.equal(status.send!.status, 'done');
  assert.deepEqual({ sent: status.progress!.sent, skipped: status.progress!.skipped, failed: status.progress!.failed }, { sent: 29, skipped: 1, failed: 0 });

  const byRecipient = new Map<string, Set<string>>();
  for (const message of sink.received) {
    for (const to of message.envelopeTo) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(message.messageId ?? ''));
  }
  for (const reader of readers.slice(0, 29)) assert.equal(byRecipient.get(reader)?.size, 1, `${reader} has exactly one message`);
  assert.equal(byRecipient.has('r29@example.org'), false, 'the subscriber who left got nothing');
});

test('pause stops a send and resume finishes it; sending needs a published edition', async (t) => {
  const sink = await startSmtpSink(t);
  const testApp = await withPublishedEdition(t, sink);
  const { services } = testApp;
  await addSubscribers(testApp, ['a@example.org', 'b@example.org']);
  await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  await services.delivery.pause({ period: '2024-06' });
  let status = await runSend(testApp);
  assert.equal(status.send!.status, 'paused');
  assert.equal(status.progress!.sent, 0);
  await services.delivery.resume({ period: '2024-06' });
  status = await runSend(testApp);
  assert.equal(status.progress!.sent, 2);

  await services.editions.ensureDraft({ period: '2024-07' });
  await assert.rejects(services.delivery.start({ period: '2024-07', actor: OPERATOR }), /Publish the edition/);
});

test('the send API: 202 then progress, 409 when sent already; a test email goes to the editor only', async (t) => {
  const sink = await startSmtpSink(t);
  const testApp = await withPublishedEdition(t, sink);
  const { services, app } = testApp;
  await addSubscribers(testApp, ['api@example.org']);
  const [owner] = await services.accounts.listUsers();
  const { token } = await services.auth.createApiToken({ actor: owner!, name: 'test' });
  const headers = { authorization: `Bearer ${token}` };

  const started = await app.inject({ method: 'POST', url: '/api/v1/editions/2024-06/send', headers });
  assert.equal(started.statusCode, 202);
  assert.equal(started.json().progress.total, 1);
  const again = await app.inject({ method: 'POST', url: '/api/v1/editions/2024-06/send', headers });
  assert.equal(again.statusCode, 409);
  await runSend(testApp);
  const progress = await app.inject({ url: '/api/v1/editions/2024-06/send', headers });
  assert.equal(progress.json().status, 'done');
  assert.equal(progress.json().report[0].email, 'api@example.org');

  const subscribersList = await app.inject({ url: '/api/v1/subscribers?status=active', headers });
  assert.equal(subscribersList.json().total, 1);
  const created = await app.inject({ method: 'POST', url: '/api/v1/subscribers', headers, payload: { email: 'new@example.org' } });
  assert.equal(created.statusCode, 201);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/subscribers', headers, payload: { email: 'x\r\nBcc: y@example.org' } });
  assert.equal(bad.statusCode, 422);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/subscribers/${created.json().id}`, headers })).statusCode, 204);

  await services.delivery.sendTest({ period: '2024-06', to: 'owner@veille.test' });
  const test = sink.received.find((message) => message.subject?.startsWith('[Test]'));
  assert.deepEqual(test?.envelopeTo, ['owner@veille.test']);
});

test('with a DKIM key, every edition is signed over From, Subject and the one-click headers, and the signature verifies', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sink = await startSmtpSink(t);
  const testApp = await withPublishedEdition(t, sink, manualClock(new Date()), {
    domainName: 'veille.test',
    keySelector: 'news',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  await addSubscribers(testApp, ['ana@example.org', 'bob@example.org']);
  await testApp.services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal((await runSend(testApp)).progress!.sent, 2);

  // The public key as the DNS record of news._domainkey.veille.test would publish it.
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, type: string) => {
    if (name === 'news._domainkey.veille.test' && type === 'TXT') return [[record]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  for (const message of sink.received) {
    const signature = /^DKIM-Signature:(.*(?:\r\n[ \t].*)*)/im.exec(message.raw)?.[1]?.replace(/\r\n[ \t]+/g, ' ') ?? '';
    const signed = (/\bh=([^;]+)/.exec(signature)?.[1] ?? '').replace(/\s+/g, '').toLowerCase().split(':');
    for (const name of ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post', 'message-id', 'to'])
      assert.ok(signed.includes(name), `h= covers ${name}: ${signed.join(':')}`);
    const verified = await dkimVerify(Buffer.from(message.raw), { resolver });
    assert.equal(verified.results[0]?.status.result, 'pass', verified.results[0]?.info);
    assert.equal(verified.results[0]?.signingDomain, 'veille.test');
  }
});
