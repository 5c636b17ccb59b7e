import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadConfig } from '../../../apps/bootstrap/config.ts';
import { startRuntime } from '../../../apps/bootstrap/runtime.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../../db/embedded.ts';
import { freePort } from '../../helpers/net.ts';

/** A logger that keeps its lines, for assertions on what start said. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().trim().split('\n'));
      callback();
    },
  });
  return { log: pino({ level: 'info' }, stream), messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

type Cleanup = (close: () => Promise<unknown>) => void;

/** Runs what a test opened in the reverse order, once it ends: the runtime closes before its server stops. */
function cleanups(t: TestContext): Cleanup {
  const stack: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const close of stack.reverse()) await close();
  });
  return (close) => void stack.push(close);
}

/** A data folder of its own; its server is initialised once, then stopped. */
async function initialisedServer(defer: Cleanup): Promise<{ start: () => Promise<EmbeddedServer>; port: number }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-wait-'));
  await chmod(folder, 0o755);
  const port = await freePort();
  const quiet = { info: () => undefined, warn: () => undefined };
  const start = () => startEmbeddedPostgres({ directory: path.join(folder, 'postgres'), port, log: quiet, database: 'veille' });
  await (await start()).stop();
  let running: EmbeddedServer | undefined;
  defer(async () => {
    await running?.stop();
    await rm(folder, { recursive: true, force: true });
  });
  return {
    port,
    start: async () => (running = await start()),
  };
}

async function configFor(defer: Cleanup, databaseUrl: string, waitSeconds: number) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-wait-data-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DATABASE_WAIT_SECONDS: String(waitSeconds),
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'http://veille.test',
  });
}

test('start waits for a PostgreSQL that is not listening yet, says so, and runs once it is up', async (t) => {
  const defer = cleanups(t);
  const server = await initialisedServer(defer);
  const config = await configFor(defer, `postgres://veille:veille@127.0.0.1:${server.port}/veille`, 60);
  const { log, messages } = capturedLogger();

  const starting = startRuntime(config, log, { worker: false });
  // The server comes up a few seconds later, as a database container restarting would.
  await sleep(2500);
  await server.start();
  const runtime = await starting;
  defer(() => runtime.close());

  assert.ok((await runtime.services.settings.get()).newsletterName, 'the migrated database answers');
  const waiting = messages().filter((message) => message.startsWith('waiting for PostgreSQL'));
  assert.ok(waiting.length >= 1, `start said it was waiting: ${messages().join(' | ')}`);
  assert.match(waiting[0]!, new RegExp(`^waiting for PostgreSQL at 127\\.0\\.0\\.1:${server.port}/veille: connection refused`));
  assert.ok(!waiting[0]!.includes('veille:veille'), 'the password stays out of the log');
  assert.ok(messages().some((message) => /^PostgreSQL at .* accepts connections after \d+\.\d s$/.test(message)));
});

/**
 * A front for the server that answers every connection, for `refuseMs`, the way PostgreSQL does
 * while it replays its log after a crash (FATAL 57P03), then passes connections through to it.
 */
async function recoveringFront(defer: Cleanup, targetPort: number, refuseMs: number): Promise<number> {
  const until = Date.now() + refuseMs;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (Date.now() >= until) {
      const upstream = connect(targetPort, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
      return;
    }
    socket.once('data', () => {
      const fields = Buffer.concat(
        [
          ['S', 'FATAL'],
          ['V', 'FATAL'],
          ['C', '57P03'],
          ['M', 'the database system is starting up'],
        ].map(([type, value]) => Buffer.from(`${type}${value}\0`)),
      );
      const body = Buffer.concat([fields, Buffer.from([0])]);
      const header = Buffer.alloc(5);
      header.write('E', 0);
      header.writeInt32BE(body.length + 4, 1);
      socket.end(Buffer.concat([header, body]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

test('start waits while PostgreSQL answers "the database system is starting up"', async (t) => {
  const defer = cleanups(t);
  const server = await initialisedServer(defer);
  await server.start();
  const front = await recoveringFront(defer, server.port, 2000);
  const config = await configFor(defer, `postgres://veille:veille@127.0.0.1:${front}/veille`, 60);
  const { log, messages } = capturedLogger();

  const runtime = await startRuntime(config, log, { worker: false });
  defer(() => runtime.close());
  assert.ok((await runtime.services.settings.get()).newsletterName);
  assert.ok(
    messages().some((message) => message.startsWith(`waiting for PostgreSQL at 127.0.0.1:${front}/veille: the database system is starting up (57P03)`)),
    messages().join(' | '),
  );
});

test('the wait is bounded, and a refusal that waiting will not cure is not waited for', async (t) => {
  const defer = cleanups(t);
  const nobody = await freePort();
  const { log } = capturedLogger();
  await assert.rejects(
    startRuntime(await configFor(defer, `postgres://veille:veille@127.0.0.1:${nobody}/veille`, 1), log, { worker: false }),
    /PostgreSQL at 127\.0\.0\.1:\d+\/veille did not accept connections within 1 s: connection refused.*DATABASE_WAIT_SECONDS/,
  );

  const server = await initialisedServer(defer);
  await server.start();
  await assert.rejects(
    startRuntime(await configFor(defer, `postgres://veille:wrong@127.0.0.1:${server.port}/veille`, 60), log, { worker: false }),
    (error: Error & { code?: string }) => error.code === '28P01',
    'a wrong password fails at once',
  );
});
