import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMimeWords } from '../../apps/domain/mailer.ts';
import { safeNext } from '../../apps/web/routes/auth-routes.ts';

test('only local paths are followed after sign-in', () => {
  assert.equal(safeNext('/admin/team?x=1'), '/admin/team?x=1');
  for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '', undefined, 42]) {
    assert.equal(safeNext(bad), '/admin', String(bad));
  }
});

test('encoded email subjects are decoded for the outbox list', () => {
  assert.equal(decodeMimeWords('=?UTF-8?Q?Web=2C_Ops_et_Donn=C3=A9es?='), 'Web, Ops et Données');
  assert.equal(decodeMimeWords('=?UTF-8?B?SnVpbiBWZWlsbGU=?='), 'Juin Veille');
  assert.equal(decodeMimeWords('Plain subject'), 'Plain subject');
});
