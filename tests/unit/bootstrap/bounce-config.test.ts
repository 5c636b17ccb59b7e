import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../apps/bootstrap/config.ts';

const base = { SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789', DATA_DIR: '/tmp/veille-config-test' };

test('the providers’ webhook settings are checked at start, each refusal naming its variable', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const config = loadConfig({
    ...base,
    SENDGRID_WEBHOOK_PUBLIC_KEY: ec,
    SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ses-feedback, arn:aws:sns:us-east-1:123456789012:other',
    SOFT_BOUNCE_LIMIT: '5',
  });
  assert.deepEqual(config.bounces.snsTopicArns, ['arn:aws:sns:eu-west-1:123456789012:ses-feedback', 'arn:aws:sns:us-east-1:123456789012:other']);
  assert.equal(config.bounces.softBounceLimit, 5);
  assert.equal(loadConfig(base).bounces.softBounceLimit, 3, 'three in a row by default');
  assert.equal(loadConfig(base).webhookRetrySeconds, 30);

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  for (const [name, value] of [
    ['SENDGRID_WEBHOOK_PUBLIC_KEY', rsa],
    ['SENDGRID_WEBHOOK_PUBLIC_KEY', 'not-a-key'],
    ['SNS_TOPIC_ARNS', 'ses-feedback'],
    ['BOUNCE_WEBHOOK_SECRET', 'short'],
    ['SOFT_BOUNCE_LIMIT', '0'],
    ['WEBHOOK_RETRY_SECONDS', 'soon'],
  ]) {
    assert.throws(
      () => loadConfig({ ...base, [name!]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(name!),
      name,
    );
  }
});
