import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { freePort } from '../../helpers/net.ts';
import { startAppProcess, stopProcess, waitFor, type AppProcess } from '../../helpers/process.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';

/** What the process printed from the moment it received `signal`. */
function shutdownLines(output: string, signal: string): string[] {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const from = lines.findIndex((line) => line.includes(`${signal} received`));
  assert.ok(from >= 0, `the process said it received ${signal}:\n${output}`);
  return lines.slice(from);
}

/** A quiet, orderly stop: exit code 0, a few lines, no error and no stack trace. */
function assertQuietStop(process: AppProcess, signal: string, expected: RegExp[]): void {
  const output = process.output();
  assert.equal(process.child.exitCode, 0, `exit code 0 after ${signal}:\n${output}`);
  assert.doesNotMatch(output, /^\s+at /m, `no stack trace:\n${output}`);
  assert.doesNotMatch(output, /ERROR|FATAL|job queue error|terminating connection/, `no error:\n${output}`);
  const lines = shutdownLines(output, signal);
  assert.ok(lines.length <= 8, `a few lines, not ${lines.length}:\n${lines.join('\n')}`);
  let at = 0;
  for (const pattern of expected) {
    const found = lines.findIndex((line, index) => index >= at && pattern.test(line));
    assert.ok(found >= 0, `${pattern} after what came before, in:\n${lines.join('\n')}`);
    at = found + 1;
  }
}

test('the app with its embedded PostgreSQL stops on Ctrl-C and on SIGTERM: queue, then database, quietly', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-shutdown-'));
  // As root, the embedded server runs as the postgres user, which must be able to enter it.
  await chmod(dataDir, 0o755);
  const processes: AppProcess[] = [];
  t.after(async () => {
    for (const { child } of processes) await stopProcess(child, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    SMTP_URL: '',
  };
  const output = () => processes.map((process) => process.output()).join('\n---\n');

  async function startApp(): Promise<AppProcess> {
    const app = startAppProcess('apps/web/main.ts', env);
    processes.push(app);
    await waitFor(
      'the app to be ready',
      90_000,
      () => (app.child.exitCode !== null ? assert.fail(output()) : app.output().includes('Veille is ready on') || undefined),
      output,
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    return app;
  }
  const stopped = [/received: stopping Veille/, /web server closed/, /worker stopped/, /job queue stopped/, /embedded PostgreSQL stopped/, /Veille stopped/];

  // Ctrl-C in a terminal signals the whole process group, the embedded PostgreSQL included
  // unless it runs in a session of its own.
  const first = await startApp();
  process.kill(-first.child.pid!, 'SIGINT');
  await stopProcess(first.child, null, 40_000);
  assertQuietStop(first, 'SIGINT', stopped);
  assert.equal(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), false, 'PostgreSQL stopped');

  // A service manager sends SIGTERM to the process.
  const second = await startApp();
  await stopProcess(second.child, 'SIGTERM', 40_000);
  assertQuietStop(second, 'SIGTERM', stopped);
  assert.equal(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), false, 'PostgreSQL stopped');
});

test('the worker alone, stopped in the middle of a send, records what it sent, hands back the rest and exits quietly', async (t) => {
  const SUBSCRIBERS = 400;
  const processes: AppProcess[] = [];
  t.after(async () => {
    for (const { child } of processes) await stopProcess(child, 'SIGKILL');
  });
  const sink = await startSmtpSink(t, { delayMs: 20 });
  const { services, database, databaseUrl, config } = await buildTestApp(t);
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  const category = await services.categories.create({ name: 'Ops' });
  const { link } = await services.links.add({
    actor: owner,
    input: { url: 'https://links.example/caddy', title: 'Caddy 2.8', commentary: 'À lire.', categoryId: category.id },
  });
  await services.editions.put({ period: '2024-06', input: { title: 'Juin 2024', sections: [{ category: 'Ops', links: [link.id] }] } });
  await services.editions.publish({ period: '2024-06' });
  await database.pool.query(
    `INSERT INTO subscribers (email, status, source, confirmed_at) SELECT 'reader' || i || '@example.org', 'active', 'import', now() FROM generate_series(1, $1::int) AS i`,
    [SUBSCRIBERS],
  );
  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal(send.total, SUBSCRIBERS);

  const env = {
    DATABASE_URL: databaseUrl,
    SMTP_URL: sink.url,
    DATA_DIR: config.dataDir,
    SESSION_SECRET: config.sessionSecret,
    PUBLIC_URL: 'http://veille.test',
    SEND_CONCURRENCY: '5',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
  };
  const output = () => processes.map((process) => process.output()).join('\n---\n');
  const counts = async () => {
    const { rows } = await database.pool.query<{ status: string; count: number }>(
      `SELECT status, count(*)::int AS count FROM deliveries WHERE send_id = $1 GROUP BY status`,
      [send.id],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count])) as Record<string, number>;
  };

  const first = startAppProcess('apps/worker/main.ts', env);
  processes.push(first);
  await waitFor('50 messages', 60_000, () => (first.child.exitCode !== null ? assert.fail(output()) : sink.received.length >= 50 || undefined), output);
  // Ctrl-C on `npm run worker`.
  process.kill(-first.child.pid!, 'SIGINT');
  await stopProcess(first.child, null, 40_000);
  assertQuietStop(first, 'SIGINT', [
    /received: stopping the worker/,
    /sending paused for the shutdown: \d+ claimed deliveries handed back/,
    /worker stopped/,
    /job queue stopped/,
    /the worker stopped/,
  ]);
  const atStop = await counts();
  assert.ok((atStop.sent ?? 0) < SUBSCRIBERS, `stopped in the middle of the send: ${JSON.stringify(atStop)}`);
  assert.equal(atStop.sending, undefined, `nothing left claimed: ${JSON.stringify(atStop)}`);
  assert.equal(atStop.sent, sink.received.length, 'every message the server took is recorded');

  // The next start carries on, and a SIGTERM once the send is done stops it as quietly.
  const second = startAppProcess('apps/worker/main.ts', env);
  processes.push(second);
  await waitFor(
    'the send to be done',
    60_000,
    async () =>
      second.child.exitCode !== null
        ? assert.fail(output())
        : (await services.delivery.status({ period: '2024-06', actor: OPERATOR })).send?.status === 'done' || undefined,
    output,
  );
  await stopProcess(second.child, 'SIGTERM', 40_000);
  assertQuietStop(second, 'SIGTERM', [/received: stopping the worker/, /worker stopped/, /job queue stopped/, /the worker stopped/]);
  assert.deepEqual(await counts(), { sent: SUBSCRIBERS });
  const recipients = sink.received.flatMap((message) => message.envelopeTo);
  assert.equal(recipients.length, SUBSCRIBERS, 'one message per subscriber: nothing sent twice');
  assert.equal(new Set(recipients).size, SUBSCRIBERS);
});
