import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, passwordProblem, passwordStrength, verifyPassword } from '../../../apps/domain/accounts/passwords.ts';

test('hashes with argon2id at OWASP parameters and verifies', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false);
  assert.equal(await verifyPassword('not a hash', 'x'), false);
  assert.notEqual(await hashPassword('correct horse battery staple'), hash, 'salted');
});

test('strength hint and refusal of weak passwords', () => {
  assert.match(passwordProblem('short') ?? '', /at least 12/);
  assert.match(passwordProblem('password1234') ?? '', /too easy/);
  assert.match(passwordProblem('aaaaaaaaaaaaaaaa') ?? '', /too easy/);
  assert.match(passwordProblem('x'.repeat(600)) ?? '', /at most/);
  assert.equal(passwordProblem('correct horse battery staple'), undefined);
  assert.ok(passwordStrength('correct horse battery staple').score >= 3);
  assert.ok(passwordStrength('abc').score <= 1);
  assert.equal(passwordStrength('abc').hint, 'Use at least 12 characters.');
});
