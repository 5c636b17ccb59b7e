import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyPassword } from '../../../apps/domain/accounts/passwords.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { runCli } from '../../helpers/cli.ts';

test('users:create reads the password from stdin; tokens:create prints a working token last', async (t) => {
  const { app, database, databaseUrl, config } = await buildTestApp(t);
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: config.dataDir, SESSION_SECRET: config.sessionSecret };

  const created = await runCli(
    ['users:create', '--email', 'Owner@Example.org', '--name', 'Olivia Owner', '--role', 'owner'],
    env,
    'a headless server passphrase\n',
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created owner Olivia Owner <owner@example.org>/);
  const { rows } = await database.pool.query('SELECT email, role, password_hash FROM users');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].role, 'owner');
  assert.equal(await verifyPassword(rows[0].password_hash, 'a headless server passphrase'), true);

  const weak = await runCli(['users:create', '--email', 'e@example.org', '--name', 'E'], env, 'short\n');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /password: Password must be at least 12 characters/);
  const duplicate = await runCli(['users:create', '--email', 'owner@example.org', '--name', 'Again'], env, 'another long passphrase\n');
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /already exists/);

  const token = await runCli(['tokens:create', '--email', 'owner@example.org', '--name', 'deploy script'], env);
  assert.equal(token.code, 0, token.stderr);
  const lastLine = token.stdout.trim().split('\n').at(-1)!;
  assert.match(lastLine, /^vt_[A-Za-z0-9_-]{40,}$/);
  const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${lastLine}` } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().email, 'owner@example.org');

  const unknown = await runCli(['frobnicate'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command: frobnicate/);
  const badConfig = await runCli(['users:list'], { ...env, PORT: 'eighty' });
  assert.equal(badConfig.code, 1);
  assert.equal(badConfig.stderr.trim(), 'Invalid configuration: PORT expected a port number (got "eighty")');
});
