import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { startPageServer } from '../../helpers/page-server.ts';
import { mailgunSignature, sendgridKeys, signedSnsMessage, snsCertificate } from '../../helpers/provider-keys.ts';
import { webhookFixture } from '../../helpers/webhook-fixtures.ts';

const SECRET = 'postmark-secret-0123456789';
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';
// The topic of the SNS documentation's examples.
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

/** The app listening on loopback with every provider configured, and readers to report on. */
async function withProviders(t: TestContext, env: Record<string, string> = {}) {
  const testApp = await buildTestApp(t, {
    env: { BOUNCE_WEBHOOK_SECRET: SECRET, MAILGUN_SIGNING_KEY: MAILGUN_KEY, SNS_TOPIC_ARNS: TOPIC, FETCH_ALLOW_PRIVATE: 'true', ...env },
  });
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(testApp.app.server.address() as AddressInfo).port}`;
  for (const email of ['hard@example.org', 'spam@example.org', 'soft@example.org', 'kept@example.org'])
    await testApp.services.subscribers.add({ email, actor: OPERATOR });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { ...testApp, base, post };
}

/** Each reader's status and whether the address is suppressed, and the history's events. */
async function state(testApp: TestApp) {
  const rows = (await testApp.services.subscribers.list({ actor: OPERATOR })).rows;
  const readers = Object.fromEntries(rows.map((row) => [row.email, `${row.status}${row.suppressed ? `/${row.suppressed}` : ''}`]));
  const events = (
    await testApp.database.pool.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM subscription_events GROUP BY kind ORDER BY kind')
  ).rows;
  return { readers, events };
}

/** Each provider's test reports a hard bounce, a complaint and a soft bounce of these readers: this is what follows. */
const AFTER_FEEDBACK = {
  'hard@example.org': 'bounced/bounce',
  'spam@example.org': 'unsubscribed/complaint',
  'soft@example.org': 'active',
  'kept@example.org': 'active',
};

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('Postmark: Basic credentials in the URL; hard bounces, spam complaints and soft bounces as Postmark sends them', async (t) => {
  const testApp = await withProviders(t);
  const { post } = testApp;
  // Postmark's "Bounce webhook" and "Spam complaint webhook" examples (tests/fixtures/webhooks/README.md).
  const bounce = webhookFixture('postmark-bounce.json', { 'john@example.com': 'hard@example.org' });
  const complaint = webhookFixture('postmark-spam-complaint.json', { 'john@example.com': 'spam@example.org' });
  const soft = webhookFixture('postmark-bounce.json', {
    'john@example.com': 'soft@example.org',
    '"Type": "HardBounce"': '"Type": "SoftBounce"',
    '"TypeCode": 1,': '"TypeCode": 4096,',
    '"Name": "Hard bounce"': '"Name": "Soft bounce"',
  });
  const before = await state(testApp);

  for (const authorization of [undefined, basic('postmark', 'wrong-secret-0123456789'), basic('postmark', ''), 'Bearer x', 'Basic !!!']) {
    const answer = await post('/webhooks/postmark', bounce, authorization ? { authorization } : {});
    assert.equal(answer.status, 401, `refused: ${authorization}`);
  }
  assert.deepEqual(await state(testApp), before, 'a refused call changes nothing');

  const auth = { authorization: basic('any-user', SECRET) };
  assert.equal((await post('/webhooks/postmark', '{"RecordType":', auth)).status, 422, 'not JSON');
  assert.equal((await post('/webhooks/postmark', JSON.stringify({ RecordType: 'Bounce' }), auth)).status, 400, 'not a bounce record');
  assert.equal((await post('/webhooks/postmark', JSON.stringify([1, 2]), auth)).status, 400);
  assert.equal((await post('/webhooks/postmark', 'a'.repeat(600 * 1024), auth)).status, 413, 'a huge body');
  assert.equal((await post('/webhooks/nowhere', bounce, auth)).status, 400, 'no such provider');
  assert.deepEqual(await state(testApp), before, 'nothing changed by a malformed call');

  const answer = await post('/webhooks/postmark', bounce, auth);
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { received: 1, applied: 1, unknown: 0 });
  assert.deepEqual(await (await post('/webhooks/postmark', complaint, auth)).json(), { received: 1, applied: 1, unknown: 0 }, 'the spam complaint');
  assert.deepEqual(await (await post('/webhooks/postmark', soft, auth)).json(), { received: 1, applied: 1, unknown: 0 }, 'the soft bounce');
  const unknown = await post('/webhooks/postmark', webhookFixture('postmark-bounce.json', { 'john@example.com': 'stranger@example.org' }), auth);
  assert.equal(unknown.status, 200, 'an unknown address is acknowledged, never retried');
  assert.deepEqual(await unknown.json(), { received: 1, applied: 0, unknown: 1 });

  const after = await state(testApp);
  assert.deepEqual(after.readers, AFTER_FEEDBACK);
  assert.deepEqual(after.events, [
    { kind: 'bounced', n: 1 },
    { kind: 'complained', n: 1 },
    { kind: 'subscribed', n: 4 },
  ]);
});

type MailgunPayload = { signature: { timestamp: string | number; token: string; signature: string }; 'event-data': Record<string, unknown> };

test('Mailgun: the documented failed (permanent, temporary) and complained webhooks; the HMAC of timestamp and token, recent, each token once', async (t) => {
  const testApp = await withProviders(t);
  const { post } = testApp;
  const now = Math.floor(Date.now() / 1000);
  const token = () => randomBytes(25).toString('hex');
  // Mailgun's sample webhooks and documented failed event (tests/fixtures/webhooks/README.md), signed now.
  const payload = (name: string, recipient: string, signature: MailgunPayload['signature'] = mailgunSignature(MAILGUN_KEY, now, token())): MailgunPayload => {
    const documented = JSON.parse(
      webhookFixture(name, { [name.includes('temporary') ? 'bar@example.com' : 'alice@example.com']: recipient }),
    ) as MailgunPayload;
    assert.equal(typeof documented.signature.timestamp, 'string', 'Mailgun sends the timestamp as a string');
    return { ...documented, signature };
  };
  const permanent = (recipient: string, signature?: MailgunPayload['signature']) => payload('mailgun-failed-permanent.json', recipient, signature);
  const before = await state(testApp);

  const forged = permanent('hard@example.org', mailgunSignature('another-signing-key', now, token()));
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(forged))).status, 401, 'signed with another key');
  const old = permanent('hard@example.org', mailgunSignature(MAILGUN_KEY, now - 3600, token()));
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(old))).status, 401, 'an old timestamp');
  const { signature: _dropped, ...unsigned } = permanent('hard@example.org');
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(unsigned))).status, 401, 'no signature');
  const tampered = permanent('hard@example.org');
  tampered.signature.timestamp = String(now + 1);
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(tampered))).status, 401, 'a timestamp changed after signing');
  assert.deepEqual(await state(testApp), before);

  const signed = permanent('hard@example.org');
  assert.deepEqual(await (await post('/webhooks/mailgun', JSON.stringify(signed))).json(), { received: 1, applied: 1, unknown: 0 }, 'failed, permanent');
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(signed))).status, 401, 'the same token again: a replay');
  const complained = payload('mailgun-complained.json', 'spam@example.org');
  assert.deepEqual(await (await post('/webhooks/mailgun', JSON.stringify(complained))).json(), { received: 1, applied: 1, unknown: 0 }, 'complained');
  const temporary = payload('mailgun-failed-temporary.json', 'soft@example.org');
  assert.deepEqual(await (await post('/webhooks/mailgun', JSON.stringify(temporary))).json(), { received: 1, applied: 1, unknown: 0 }, 'failed, temporary');
  // The reference types the timestamp as an int: a number is taken too, its digits signed.
  const numeric = payload('mailgun-failed-temporary.json', 'soft@example.org');
  numeric.signature.timestamp = Number(numeric.signature.timestamp);
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(numeric))).status, 200, 'a numeric timestamp');
  const delivered = permanent('kept@example.org');
  delivered['event-data'] = { ...delivered['event-data'], event: 'delivered', severity: undefined, reason: undefined };
  assert.deepEqual(
    await (await post('/webhooks/mailgun', JSON.stringify(delivered))).json(),
    { received: 0, applied: 0, unknown: 0 },
    'an event Veille does not act on',
  );

  assert.deepEqual((await state(testApp)).readers, AFTER_FEEDBACK);
});

test('SendGrid: the documented event batch (bounce, blocked, dropped, spam report and events without an address) signed with ECDSA over timestamp and raw body', async (t) => {
  const keys = sendgridKeys();
  const testApp = await withProviders(t, { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
  const { post } = testApp;
  await testApp.services.subscribers.add({ email: 'dropped@example.org', actor: OPERATOR });
  const timestamp = String(Math.floor(Date.now() / 1000));
  // The Event Webhook Reference's examples, one batch (tests/fixtures/webhooks/README.md), sent byte for byte.
  const body = webhookFixture('sendgrid-events.json', {
    'alex@example.com': 'hard@example.org',
    'sam@example.com': 'soft@example.org',
    'robin@example.com': 'dropped@example.org',
    'kim@example.com': 'spam@example.org',
    'lee@example.com': 'kept@example.org',
  });
  const headers = (signature: string, at = timestamp) => ({
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': at,
  });
  const before = await state(testApp);

  const other = sendgridKeys();
  assert.equal((await post('/webhooks/sendgrid', body, headers(other.sign(timestamp, body)))).status, 401, 'another key');
  assert.equal(
    (await post('/webhooks/sendgrid', body.replace('spam@', 'kept@'), headers(keys.sign(timestamp, body)))).status,
    401,
    'a body changed after signing',
  );
  assert.equal(
    (await post('/webhooks/sendgrid', JSON.stringify(JSON.parse(body)), headers(keys.sign(timestamp, body)))).status,
    401,
    'the same JSON, re-serialised',
  );
  const old = String(Number(timestamp) - 3600);
  assert.equal((await post('/webhooks/sendgrid', body, headers(keys.sign(old, body), old))).status, 401, 'an old timestamp');
  assert.equal((await post('/webhooks/sendgrid', body)).status, 401, 'no signature');
  assert.equal((await post('/webhooks/sendgrid', body, headers('bm90IGEgc2lnbmF0dXJl'))).status, 401, 'not a signature');
  assert.deepEqual(await state(testApp), before);

  const answer = await post('/webhooks/sendgrid', body, headers(keys.sign(timestamp, body)));
  assert.equal(answer.status, 200, 'the account status change (no address) and the click do not refuse the batch');
  assert.deepEqual(await answer.json(), { received: 4, applied: 4, unknown: 0 });
  assert.deepEqual((await state(testApp)).readers, { ...AFTER_FEEDBACK, 'dropped@example.org': 'bounced/bounce' });
});

test('SES through SNS: the documented envelopes and notifications, signatures v1 and v2, the subscription confirmed, replays and forgeries refused', async (t) => {
  const { certificate, privateKey } = snsCertificate();
  const snsHost = 'https://sns.us-west-2.amazonaws.com';
  // The SNS documentation's envelopes (tests/fixtures/webhooks/README.md), their SNS host swapped for the test's.
  const confirmationPath = new URL(JSON.parse(webhookFixture('sns-subscription-confirmation.json')).SubscribeURL as string);
  const sns = await startPageServer(t, {
    '/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem': { body: certificate, type: 'application/x-pem-file' },
    [`${confirmationPath.pathname}${confirmationPath.search}`]: { body: '<ConfirmSubscriptionResponse/>', type: 'text/xml' },
  });
  const testApp = await withProviders(t, { SNS_ORIGIN: sns.origin });
  const { post } = testApp;
  const documented = (name: string) => JSON.parse(webhookFixture(name, { [snsHost]: sns.origin })) as Record<string, string>;
  const sign = (fields: Record<string, string>, version: '1' | '2', at = new Date()) =>
    JSON.stringify(signedSnsMessage({ ...fields, MessageId: randomUUID(), Timestamp: at.toISOString() }, privateKey, version));
  const envelope = (fields: Record<string, string>, version: '1' | '2' = '2') => sign({ ...documented('sns-notification.json'), ...fields }, version);
  const snsHeaders = { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' };

  const confirmation = sign(documented('sns-subscription-confirmation.json'), '1');
  const confirmed = await post('/webhooks/ses', confirmation, { ...snsHeaders, 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
  assert.equal(confirmed.status, 200);
  assert.equal(((await confirmed.json()) as { note: string }).note, 'subscription confirmed');
  assert.ok(sns.hits.includes(`${confirmationPath.pathname}${confirmationPath.search}`), 'SubscribeURL fetched');

  // The SES guide's notifications, as SNS carries them: a JSON string in Message.
  const ses = (name: string, swaps: Record<string, string>) => JSON.stringify(JSON.parse(webhookFixture(name, swaps)));
  const bounce = ses('ses-bounce.json', { 'jane@example.com': 'hard@example.org' });
  const complaint = ses('ses-complaint.json', { 'richard@example.com': 'spam@example.org' });
  const transient = ses('ses-bounce.json', { 'jane@example.com': 'soft@example.org', '"bounceType": "Permanent"': '"bounceType": "Transient"' });
  const undetermined = ses('ses-bounce.json', { 'jane@example.com': 'kept@example.org', '"bounceType": "Permanent"': '"bounceType": "Undetermined"' });
  const notSpam = ses('ses-complaint.json', {
    'richard@example.com': 'kept@example.org',
    '"complaintFeedbackType": "abuse"': '"complaintFeedbackType": "not-spam"',
  });
  const before = await state(testApp);

  // Forgeries: another topic, a certificate elsewhere, a message changed after signing, an old one.
  const otherTopic = JSON.parse(envelope({ Message: bounce })) as Record<string, string>;
  otherTopic.TopicArn = 'arn:aws:sns:eu-west-1:123456789012:someone-else';
  assert.equal((await post('/webhooks/ses', JSON.stringify(otherTopic), snsHeaders)).status, 401, 'a topic not configured');
  assert.equal(
    (await post('/webhooks/ses', envelope({ Message: bounce, SigningCertURL: 'https://attacker.example/cert.pem' }), snsHeaders)).status,
    401,
    'a certificate that is not SNS’s',
  );
  const changed = JSON.parse(envelope({ Message: bounce })) as Record<string, string>;
  changed.Message = complaint;
  assert.equal((await post('/webhooks/ses', JSON.stringify(changed), snsHeaders)).status, 401, 'a message changed after signing');
  const stale = sign({ ...documented('sns-notification.json'), Message: bounce }, '2', new Date(Date.now() - 3 * 3600_000));
  assert.equal((await post('/webhooks/ses', stale, snsHeaders)).status, 401, 'an old message');
  assert.equal((await post('/webhooks/ses', envelope({ Message: '{not json' }), snsHeaders)).status, 422, 'a Message that is not JSON');
  assert.equal((await post('/webhooks/ses', JSON.stringify({ Type: 'Notification' }), snsHeaders)).status, 400, 'not an SNS message');
  assert.deepEqual(await state(testApp), before);

  // Version 1 with the documented Subject (signed when present), version 2 without one.
  const signedV1 = envelope({ Message: bounce }, '1');
  const first = await post('/webhooks/ses', signedV1, snsHeaders);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { received: 1, applied: 1, unknown: 0 });
  const again = await post('/webhooks/ses', signedV1, snsHeaders);
  assert.equal(again.status, 200, 'SNS delivers at least once: a repeat is acknowledged');
  assert.equal(((await again.json()) as { received: number }).received, 0, 'and not counted again');
  const { Subject: _subject, ...withoutSubject } = documented('sns-notification.json');
  assert.deepEqual(await (await post('/webhooks/ses', sign({ ...withoutSubject, Message: complaint }, '2'), snsHeaders)).json(), {
    received: 1,
    applied: 1,
    unknown: 0,
  });
  assert.deepEqual(await (await post('/webhooks/ses', envelope({ Message: transient }), snsHeaders)).json(), { received: 1, applied: 1, unknown: 0 });
  assert.deepEqual(
    await (await post('/webhooks/ses', envelope({ Message: undetermined }), snsHeaders)).json(),
    { received: 0, applied: 0, unknown: 0 },
    'Undetermined',
  );
  assert.deepEqual(await (await post('/webhooks/ses', envelope({ Message: notSpam }), snsHeaders)).json(), { received: 0, applied: 0, unknown: 0 }, 'not-spam');

  assert.equal(sns.hits.filter((hit) => hit.endsWith('.pem')).length, 1, 'the certificate is fetched once, then cached');
  const after = await state(testApp);
  assert.deepEqual(after.readers, AFTER_FEEDBACK);
});

test('a provider whose secret is not configured answers 404, and changes nothing', async (t) => {
  const testApp = await buildTestApp(t);
  const answer = await testApp.app.inject({
    method: 'POST',
    url: '/webhooks/postmark',
    payload: '{"RecordType":"Bounce","Email":"a@example.org"}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(answer.statusCode, 404);
});
