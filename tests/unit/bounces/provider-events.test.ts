import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editionOfMessageId } from '../../../apps/domain/bounces/provider-events.ts';
import { isSnsUrl, sesEvents } from '../../../apps/domain/bounces/sns.ts';

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
