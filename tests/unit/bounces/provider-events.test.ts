import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editionOfMessageId } from '../../../apps/domain/bounces/provider-events.ts';
import { mailgunEvents } from '../../../apps/domain/bounces/mailgun.ts';
import { postmarkEvents } from '../../../apps/domain/bounces/postmark.ts';
import { sendgridEvents, sendgridKey, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../apps/domain/bounces/sendgrid.ts';
import { isSnsUrl, sesEvents } from '../../../apps/domain/bounces/sns.ts';
import { mailgunSignature, sendgridKeys } from '../../helpers/provider-keys.ts';

test('SNS certificates and confirmations are fetched from SNS’s own https addresses only', () => {
  for (const url of [
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
    'https://sns.us-gov-west-1.amazonaws.com/x.pem',
    'https://sns.cn-north-1.amazonaws.com.cn/x.pem',
  ])
    assert.equal(isSnsUrl(url, undefined), true, url);
  for (const url of [
    'http://sns.eu-west-1.amazonaws.com/x.pem',
    'https://sns.eu-west-1.amazonaws.com.attacker.example/x.pem',
    'https://attacker.example/sns.eu-west-1.amazonaws.com/x.pem',
    'https://sns.eu-west-1.amazonaws.com:8443/x.pem',
    'https://evil@sns..amazonaws.com/x.pem',
    'not a url',
  ])
    assert.equal(isSnsUrl(url, undefined), false, url);
  assert.equal(isSnsUrl('http://127.0.0.1:9000/cert.pem', 'http://127.0.0.1:9000'), true, 'the configured origin, for tests');
  assert.equal(isSnsUrl('https://sns.eu-west-1.amazonaws.com/x.pem', 'http://127.0.0.1:9000'), false, 'and only it');
});

test('a Veille Message-ID names its edition; any other names none', () => {
  const edition = '0b5c8f0e-3f2a-4c1e-9a57-1d2e3f4a5b6c';
  const subscriber = '7f153283-6693-46e7-b2bf-027e850aeab3';
  assert.equal(editionOfMessageId(`<${edition}.${subscriber}@veille.test>`, 'veille.test'), edition);
  assert.equal(editionOfMessageId(`${edition}.${subscriber}@veille.test`, 'veille.test'), edition, 'without angle brackets (Mailgun)');
  assert.equal(editionOfMessageId(`<${edition}.${subscriber}@other.example>`, 'veille.test'), undefined, 'another host');
  assert.equal(editionOfMessageId('<14c5d75ce93.dfd.64b469@ismtpd-555>', 'veille.test'), undefined);
  assert.equal(editionOfMessageId(null, 'veille.test'), undefined);
});

test('SES notifications: permanent bounces, transient ones, complaints; undetermined bounces and deliveries say nothing', () => {
  const bounce = (bounceType: string) =>
    JSON.stringify({
      notificationType: 'Bounce',
      bounce: { bounceType, bouncedRecipients: [{ emailAddress: 'a@example.org' }, { emailAddress: 'b@example.org' }] },
      mail: {},
    });
  assert.deepEqual(
    sesEvents(bounce('Permanent')).map((event) => [event.email, event.feedback]),
    [
      ['a@example.org', 'bounce'],
      ['b@example.org', 'bounce'],
    ],
  );
  assert.equal(sesEvents(bounce('Transient'))[0]!.feedback, 'soft_bounce');
  assert.deepEqual(sesEvents(bounce('Undetermined')), []);
  const complaint = sesEvents(
    JSON.stringify({
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'c@example.org' }] },
      mail: { commonHeaders: { messageId: '<m@x>' } },
    }),
  );
  assert.deepEqual(complaint, [{ email: 'c@example.org', feedback: 'complaint', messageId: '<m@x>' }]);
  assert.deepEqual(sesEvents(JSON.stringify({ notificationType: 'Delivery', mail: {} })), []);
});

test('SES complaints whose feedback report says "not-spam" unsubscribe nobody', () => {
  const complaint = (complaintFeedbackType: string) =>
    JSON.stringify({
      notificationType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'c@example.org' }], complaintFeedbackType },
      mail: {},
    });
  assert.equal(sesEvents(complaint('abuse'))[0]!.feedback, 'complaint');
  assert.deepEqual(sesEvents(complaint('not-spam')), []);
});

test('Postmark: a bounce record of type SpamComplaint is a complaint, Blocked a soft bounce, TypeCode is not read', () => {
  const request = (record: Record<string, unknown>) => ({
    headers: { authorization: `Basic ${Buffer.from('u:secret').toString('base64')}` },
    body: Buffer.from(JSON.stringify({ Email: 'a@example.org', ...record })),
  });
  assert.equal(postmarkEvents(request({ RecordType: 'Bounce', Type: 'SpamComplaint', TypeCode: 100001 }), 'secret')[0]!.feedback, 'complaint');
  assert.equal(postmarkEvents(request({ RecordType: 'Bounce', Type: 'Blocked', TypeCode: 100006 }), 'secret')[0]!.feedback, 'soft_bounce');
  assert.equal(postmarkEvents(request({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512 }), 'secret')[0]!.feedback, 'complaint');
  assert.deepEqual(postmarkEvents(request({ RecordType: 'Bounce', Type: 'AutoResponder', TypeCode: 64 }), 'secret'), []);
});

test('Mailgun: the signature timestamp as a string or a number, the HMAC over its digits', async () => {
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
  const request = (stamp: string | number) => ({
    headers: {},
    body: Buffer.from(
      JSON.stringify({
        signature: { ...mailgunSignature('key', timestamp, token), timestamp: stamp },
        'event-data': { event: 'failed', severity: 'permanent', recipient: 'a@example.org' },
      }),
    ),
  });
  const never = async () => false;
  assert.equal((await mailgunEvents(request(String(timestamp)), 'key', now, never))[0]!.feedback, 'bounce');
  assert.equal((await mailgunEvents(request(timestamp), 'key', now, never))[0]!.feedback, 'bounce');
  await assert.rejects(mailgunEvents(request(timestamp + 1), 'key', now, never), /does not match/);
  await assert.rejects(mailgunEvents(request(1.5), 'key', now, never));
});

test('SendGrid: drops for a bounced, invalid or spam-reporting address count; other drops and events without an address do not', () => {
  const keys = sendgridKeys();
  const now = new Date();
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const body = JSON.stringify([
    { email: 'a@example.org', event: 'dropped', reason: 'Bounced Address' },
    { email: 'b@example.org', event: 'dropped', reason: 'Spam Reporting Address' },
    { email: 'c@example.org', event: 'dropped', reason: 'Invalid Address' },
    { email: 'd@example.org', event: 'dropped', reason: 'Unsubscribed Address' },
    { email: 'e@example.org', event: 'dropped', reason: 'Recipient List over Package Quota' },
    { email: 'f@example.org', event: 'bounce', reason: '500 unknown recipient' },
    { event: 'account_status_change', type: 'compliance_suspend' },
  ]);
  const events = sendgridEvents(
    { headers: { [SIGNATURE_HEADER.toLowerCase()]: keys.sign(timestamp, body), [TIMESTAMP_HEADER.toLowerCase()]: timestamp }, body: Buffer.from(body) },
    sendgridKey(keys.publicKey),
    now,
  );
  assert.deepEqual(
    events.map((event) => [event.email, event.feedback]),
    [
      ['a@example.org', 'bounce'],
      ['b@example.org', 'complaint'],
      ['c@example.org', 'bounce'],
      ['f@example.org', 'bounce'],
    ],
  );
});
