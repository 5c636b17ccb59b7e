import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../apps/bootstrap/config.ts';

test('defaults: port 3000, embedded database, ./data, http cookies', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-config-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ DATA_DIR: dataDir });
  assert.equal(config.port, 3000);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.equal(config.secureCookies, false);
  assert.equal(config.runWorker, true);
  assert.equal(config.fetchAllowPrivate, false);
  assert.equal(loadConfig({}).dataDir, path.resolve('data'));
});

test('a generated session secret is stored in DATA_DIR and reused', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-config-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret;
  assert.ok(first.length >= 32);
  assert.equal((await readFile(path.join(dataDir, 'session-secret'), 'utf8')).trim(), first);
  assert.equal(loadConfig({ DATA_DIR: dataDir }).sessionSecret, first);
  assert.equal(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: 'x'.repeat(40) }).sessionSecret, 'x'.repeat(40));
});

test('an invalid value names the variable in one line', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'example.org' }, 'PUBLIC_URL'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ RUN_WORKER: 'maybe' }, 'RUN_WORKER'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.1, example.org' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig({ SESSION_SECRET: 'y'.repeat(40), ...env }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === variable &&
        error.message.startsWith(`Invalid configuration: ${variable} `) &&
        !error.message.includes('\n'),
      variable,
    );
  }
});

test('https public URL turns on secure cookies; trailing slashes are dropped; blank values count as unset', () => {
  const config = loadConfig({ PUBLIC_URL: 'https://veille.example.org/', SESSION_SECRET: 'z'.repeat(40), PORT: ' ' });
  assert.equal(config.publicUrl, 'https://veille.example.org');
  assert.equal(config.secureCookies, true);
  assert.equal(config.port, 3000);
});

test('DKIM settings come together or not at all', () => {
  const base = { SESSION_SECRET: 'z'.repeat(40) };
  assert.equal(loadConfig(base).dkim, undefined);
  assert.throws(
    () => loadConfig({ ...base, DKIM_DOMAIN: 'veille.example' }),
    (error: unknown) => error instanceof ConfigError && error.variable === 'DKIM_SELECTOR',
  );
  assert.throws(
    () => loadConfig({ ...base, DKIM_PRIVATE_KEY: 'not a key' }),
    (error: unknown) => error instanceof ConfigError && error.variable === 'DKIM_PRIVATE_KEY',
  );
  const key = '-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----';
  const config = loadConfig({ ...base, DKIM_DOMAIN: 'veille.example', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: key });
  assert.deepEqual(config.dkim, {
    domainName: 'veille.example',
    keySelector: 'mail',
    privateKey: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
  });
});

test('TRUST_PROXY: off, private proxies, a number of hops or a list of addresses; never every hop', () => {
  const base = { SESSION_SECRET: 'z'.repeat(40) };
  const cases: Array<[string | undefined, unknown]> = [
    [undefined, false],
    ['false', false],
    ['0', false],
    ['true', ['loopback', 'linklocal', 'uniquelocal']],
    ['yes', ['loopback', 'linklocal', 'uniquelocal']],
    ['1', 1],
    ['2', 2],
    ['10.0.0.2', ['10.0.0.2']],
    ['127.0.0.1, 172.16.0.0/12,  ::1, fd00::/8', ['127.0.0.1', '172.16.0.0/12', '::1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ];
  for (const [value, expected] of cases) {
    assert.deepEqual(loadConfig({ ...base, ...(value === undefined ? {} : { TRUST_PROXY: value }) }).trustProxy, expected, String(value));
  }
});
