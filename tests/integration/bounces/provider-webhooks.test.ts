import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { startPageServer } from '../../helpers/page-server.ts';
import { mailgunSignature, sendgridKeys, signedSnsMessage, snsCertificate } from '../../helpers/provider-keys.ts';

const SECRET = 'postmark-secret-0123456789';
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';

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
  // From https://postmarkapp.com/developer/webhooks/bounce-webhook
  const bounce = {
    RecordType: 'Bounce',
    MessageStream: 'outbound',
    ID: 4323372036854775,
    Type: 'HardBounce',
    TypeCode: 1,
    Name: 'Hard bounce',
    Tag: 'Test',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    Metadata: { a_key: 'a_value' },
    ServerID: 23,
    Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: 'Test bounce details',
    Email: 'hard@example.org',
    From: 'sender@example.com',
    BouncedAt: '2019-11-05T16:33:54.9070259Z',
    DumpAvailable: true,
    Inactive: true,
    CanActivate: true,
    Subject: 'Test subject',
    Content: '<Full dump of bounce>',
  };
  const before = await state(testApp);

  for (const authorization of [undefined, basic('postmark', 'wrong-secret-0123456789'), basic('postmark', ''), 'Bearer x', 'Basic !!!']) {
    const answer = await post('/webhooks/postmark', JSON.stringify(bounce), authorization ? { authorization } : {});
    assert.equal(answer.status, 401, `refused: ${authorization}`);
  }
  assert.deepEqual(await state(testApp), before, 'a refused call changes nothing');

  const auth = { authorization: basic('any-user', SECRET) };
  assert.equal((await post('/webhooks/postmark', '{"RecordType":', auth)).status, 422, 'not JSON');
  assert.equal((await post('/webhooks/postmark', JSON.stringify({ RecordType: 'Bounce' }), auth)).status, 400, 'not a bounce record');
  assert.equal((await post('/webhooks/postmark', JSON.stringify([1, 2]), auth)).status, 400);
  assert.equal((await post('/webhooks/postmark', 'a'.repeat(600 * 1024), auth)).status, 413, 'a huge body');
  assert.equal((await post('/webhooks/nowhere', JSON.stringify(bounce), auth)).status, 400, 'no such provider');
  assert.deepEqual(await state(testApp), before, 'nothing changed by a malformed call');

  const answer = await post('/webhooks/postmark', JSON.stringify(bounce), auth);
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { received: 1, applied: 1, unknown: 0 });
  const complaint = { ...bounce, RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, Name: 'Spam complaint', Email: 'spam@example.org' };
  assert.equal((await post('/webhooks/postmark', JSON.stringify(complaint), auth)).status, 200);
  const soft = { ...bounce, Type: 'SoftBounce', TypeCode: 4096, Email: 'soft@example.org' };
  assert.equal((await post('/webhooks/postmark', JSON.stringify(soft), auth)).status, 200);
  const unknown = await post('/webhooks/postmark', JSON.stringify({ ...bounce, Email: 'stranger@example.org' }), auth);
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

test('Mailgun: the HMAC of timestamp and token, a recent timestamp, each token once', async (t) => {
  const testApp = await withProviders(t);
  const { post } = testApp;
  const now = Math.floor(Date.now() / 1000);
  // From Mailgun's "failed (permanent)" sample webhook.
  const eventData = (recipient: string, event: string, severity?: string) => ({
    event,
    id: 'G9Bn5sl1TC6nu79C8C0bwg',
    timestamp: now + 0.329574,
    'log-level': 'error',
    ...(severity ? { severity, reason: 'bounce' } : {}),
    envelope: { sender: 'news@veille.test', transport: 'smtp', targets: recipient },
    'delivery-status': {
      'attempt-no': 1,
      message: '',
      code: 550,
      description: '5.1.1 The email account that you tried to reach does not exist',
      'session-seconds': 0,
    },
    message: {
      headers: { to: recipient, 'message-id': '20130503182626.18666.16540@veille.test', from: 'news@veille.test', subject: 'Juin 2024' },
      attachments: [],
      size: 111,
    },
    recipient,
    'recipient-domain': 'example.org',
    campaigns: [],
    tags: [],
    'user-variables': {},
  });
  const token = () => randomBytes(25).toString('hex');
  const before = await state(testApp);

  const forged = { signature: mailgunSignature('another-signing-key', now, token()), 'event-data': eventData('hard@example.org', 'failed', 'permanent') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(forged))).status, 401, 'signed with another key');
  const old = { signature: mailgunSignature(MAILGUN_KEY, now - 3600, token()), 'event-data': eventData('hard@example.org', 'failed', 'permanent') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(old))).status, 401, 'an old timestamp');
  const unsigned = { 'event-data': eventData('hard@example.org', 'failed', 'permanent') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(unsigned))).status, 401, 'no signature');
  const tampered = { signature: mailgunSignature(MAILGUN_KEY, now, token()), 'event-data': eventData('hard@example.org', 'failed', 'permanent') };
  tampered.signature.timestamp = String(now + 1);
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(tampered))).status, 401, 'a timestamp changed after signing');
  assert.deepEqual(await state(testApp), before);

  const signed = { signature: mailgunSignature(MAILGUN_KEY, now, token()), 'event-data': eventData('hard@example.org', 'failed', 'permanent') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(signed))).status, 200);
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(signed))).status, 401, 'the same token again: a replay');
  const complained = { signature: mailgunSignature(MAILGUN_KEY, now, token()), 'event-data': eventData('spam@example.org', 'complained') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(complained))).status, 200);
  const temporary = { signature: mailgunSignature(MAILGUN_KEY, now, token()), 'event-data': eventData('soft@example.org', 'failed', 'temporary') };
  assert.equal((await post('/webhooks/mailgun', JSON.stringify(temporary))).status, 200);
  const delivered = { signature: mailgunSignature(MAILGUN_KEY, now, token()), 'event-data': eventData('kept@example.org', 'delivered') };
  assert.deepEqual(await (await post('/webhooks/mailgun', JSON.stringify(delivered))).json(), { received: 0, applied: 0, unknown: 0 });

  assert.deepEqual((await state(testApp)).readers, AFTER_FEEDBACK);
});

test('SendGrid: the ECDSA signature over timestamp and raw body; bounces, blocks and spam reports in one batch', async (t) => {
  const keys = sendgridKeys();
  const testApp = await withProviders(t, { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
  const { post } = testApp;
  const timestamp = String(Math.floor(Date.now() / 1000));
  // Shapes from SendGrid's Event Webhook reference.
  const base = {
    timestamp: Number(timestamp),
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    category: 'newsletter',
    sg_event_id: 'sg_event_id',
    sg_message_id: 'sg_message_id',
  };
  const body = JSON.stringify([
    { ...base, email: 'hard@example.org', event: 'bounce', type: 'bounce', reason: '550 5.1.1 unknown recipient', status: '5.1.1' },
    { ...base, email: 'spam@example.org', event: 'spamreport' },
    { ...base, email: 'soft@example.org', event: 'bounce', type: 'blocked', reason: '421 try later', status: '4.0.0' },
    { ...base, email: 'kept@example.org', event: 'delivered', response: '250 OK' },
    { ...base, email: 'stranger@example.org', event: 'bounce', type: 'bounce' },
  ]);
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
  const old = String(Number(timestamp) - 3600);
  assert.equal((await post('/webhooks/sendgrid', body, headers(keys.sign(old, body), old))).status, 401, 'an old timestamp');
  assert.equal((await post('/webhooks/sendgrid', body)).status, 401, 'no signature');
  assert.equal((await post('/webhooks/sendgrid', body, headers('bm90IGEgc2lnbmF0dXJl'))).status, 401, 'not a signature');
  assert.deepEqual(await state(testApp), before);

  const answer = await post('/webhooks/sendgrid', body, headers(keys.sign(timestamp, body)));
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { received: 4, applied: 3, unknown: 1 });
  assert.deepEqual((await state(testApp)).readers, AFTER_FEEDBACK);
});

test('SES through SNS: signatures v1 and v2 with the certificate SNS serves, the subscription confirmed, replays and forgeries refused', async (t) => {
  const { certificate, privateKey } = snsCertificate();
  const sns = await startPageServer(t, {
    '/SimpleNotificationService-test.pem': { body: certificate, type: 'application/x-pem-file' },
    '/?Action=ConfirmSubscription&TopicArn=x&Token=abc': { body: '<ConfirmSubscriptionResponse/>', type: 'text/xml' },
  });
  const testApp = await withProviders(t, { SNS_ORIGIN: sns.origin });
  const { post } = testApp;
  const certUrl = `${sns.origin}/SimpleNotificationService-test.pem`;
  const envelope = (fields: Record<string, string>, version: '1' | '2' = '2') =>
    JSON.stringify(
      signedSnsMessage(
        { MessageId: randomBytes(8).toString('hex'), TopicArn: TOPIC, Timestamp: new Date().toISOString(), SigningCertURL: certUrl, ...fields },
        privateKey,
        version,
      ),
    );
  const snsHeaders = { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' };

  const confirmation = envelope({
    Type: 'SubscriptionConfirmation',
    Token: 'abc',
    Message: 'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
    SubscribeURL: `${sns.origin}/?Action=ConfirmSubscription&TopicArn=x&Token=abc`,
  });
  const confirmed = await post('/webhooks/ses', confirmation, snsHeaders);
  assert.equal(confirmed.status, 200);
  assert.equal(((await confirmed.json()) as { note: string }).note, 'subscription confirmed');
  assert.ok(sns.hits.includes('/?Action=ConfirmSubscription&TopicArn=x&Token=abc'), 'SubscribeURL fetched');

  // From the SES developer guide's notification examples.
  const mail = {
    timestamp: '2024-06-30T18:00:00.000Z',
    messageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
    source: 'news@veille.test',
    sendingAccountId: '123456789012',
    destination: ['hard@example.org'],
    headersTruncated: false,
    headers: [{ name: 'Message-ID', value: '<custom-message-ID@veille.test>' }],
    commonHeaders: { from: ['news@veille.test'], to: ['hard@example.org'], messageId: '<custom-message-ID@veille.test>', subject: 'Juin 2024' },
  };
  const bounce = JSON.stringify({
    notificationType: 'Bounce',
    bounce: {
      feedbackId: '000001378603176d-5a4b5ad9-6f30-4198-a8c3-b1eb0c270a1d-000000',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: 'hard@example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: '2024-06-30T18:00:02.000Z',
      reportingMTA: 'dsn; a27-23.smtp-out.us-west-2.amazonses.com',
    },
    mail,
  });
  const complaint = JSON.stringify({
    notificationType: 'Complaint',
    complaint: {
      userAgent: 'AnyCompany Feedback Loop (V0.01)',
      complainedRecipients: [{ emailAddress: 'spam@example.org' }],
      complaintFeedbackType: 'abuse',
      arrivalDate: '2024-06-30T18:05:00.000Z',
      timestamp: '2024-06-30T18:05:01.000Z',
      feedbackId: '000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000',
    },
    mail,
  });
  const before = await state(testApp);

  // Forgeries: another topic, a certificate elsewhere, a message changed after signing, an old one.
  const otherTopic = JSON.parse(envelope({ Type: 'Notification', Message: bounce })) as Record<string, string>;
  otherTopic.TopicArn = 'arn:aws:sns:eu-west-1:123456789012:someone-else';
  assert.equal((await post('/webhooks/ses', JSON.stringify(otherTopic), snsHeaders)).status, 401, 'a topic not configured');
  assert.equal(
    (await post('/webhooks/ses', envelope({ Type: 'Notification', Message: bounce, SigningCertURL: 'https://attacker.example/cert.pem' }), snsHeaders)).status,
    401,
    'a certificate that is not SNS’s',
  );
  const changed = JSON.parse(envelope({ Type: 'Notification', Message: bounce })) as Record<string, string>;
  changed.Message = complaint;
  assert.equal((await post('/webhooks/ses', JSON.stringify(changed), snsHeaders)).status, 401, 'a message changed after signing');
  assert.equal(
    (await post('/webhooks/ses', envelope({ Type: 'Notification', Message: bounce, Timestamp: new Date(Date.now() - 3 * 3600_000).toISOString() }), snsHeaders))
      .status,
    401,
    'an old message',
  );
  assert.equal((await post('/webhooks/ses', envelope({ Type: 'Notification', Message: '{not json' }), snsHeaders)).status, 422, 'a Message that is not JSON');
  assert.equal((await post('/webhooks/ses', JSON.stringify({ Type: 'Notification' }), snsHeaders)).status, 400, 'not an SNS message');
  assert.deepEqual(await state(testApp), before);

  const signedV1 = envelope({ Type: 'Notification', Message: bounce, Subject: 'Amazon SES Email Event Notification' }, '1');
  const first = await post('/webhooks/ses', signedV1, snsHeaders);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { received: 1, applied: 1, unknown: 0 });
  const again = await post('/webhooks/ses', signedV1, snsHeaders);
  assert.equal(again.status, 200, 'SNS delivers at least once: a repeat is acknowledged');
  assert.equal(((await again.json()) as { received: number }).received, 0, 'and not counted again');
  assert.equal((await post('/webhooks/ses', envelope({ Type: 'Notification', Message: complaint }, '2'), snsHeaders)).status, 200);
  const transient = bounce.replace('"Permanent"', '"Transient"').replace('hard@example.org', 'soft@example.org');
  assert.equal((await post('/webhooks/ses', envelope({ Type: 'Notification', Message: transient }), snsHeaders)).status, 200);

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
