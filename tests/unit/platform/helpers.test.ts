import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMimeWords } from '../../../apps/domain/mail/mailer.ts';
test('encoded email subjects are decoded for the outbox list', () => {
  assert.equal(decodeMimeWords('=?UTF-8?Q?Web=2C_Ops_et_Donn=C3=A9es?='), 'Web, Ops et Données');
  assert.equal(decodeMimeWords('=?UTF-8?B?SnVpbiBWZWlsbGU=?='), 'Juin Veille');
  assert.equal(decodeMimeWords('Plain subject'), 'Plain subject');
});
