import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyBaseLogger, FastifyInstance, InjectOptions, RouteOptions } from 'fastify';
import { systemClock, type Clock } from '../../apps/domain/platform/clock.ts';
import { loadConfig, type Config } from '../../apps/bootstrap/config.ts';
import type { PageFetcher } from '../../apps/domain/links/link-check-service.ts';
import type { LinkHealthTuning } from '../../apps/domain/links/link-health-service.ts';
import { createOutboxMailer, type Mailer } from '../../apps/domain/mail/mailer.ts';
import { startQueue } from '../../apps/domain/platform/queue.ts';
import { createServices, type Services } from '../../apps/bootstrap/services.ts';
import { buildApp } from '../../apps/web/app.ts';
import { startWorker } from '../../apps/worker/worker.ts';
import pino from 'pino';
import { connectDatabase, type DatabaseHandle } from '../../db/client.ts';
import { createPublicChangeFeed, type ChangeFeed } from '../../db/public-changes.ts';
import { createTestDatabase } from './database.ts';

export type TestApp = {
  app: FastifyInstance;
  services: Services;
  database: DatabaseHandle;
  config: Config;
  databaseUrl: string;
  outboxDir: string;
  /** The notices of changes the app's page cache follows. */
  changes: ChangeFeed;
};

/**
 * Builds the app exactly as production does, on a database of its own, with email written to a
 * temporary outbox. Everything is closed when the test ends.
 */
export async function buildTestApp(
  t: Pick<TestContext, 'after'>,
  options: {
    clock?: Clock;
    mailer?: Mailer;
    env?: Record<string, string>;
    worker?: boolean;
    fetchPage?: PageFetcher;
    linkHealth?: Partial<LinkHealthTuning>;
    onRoute?: (route: RouteOptions) => void;
    /** The app's logger (none by default). */
    logger?: FastifyBaseLogger;
    /** Another instance of the app on this database (the test that created it drops it). */
    databaseUrl?: string;
  } = {},
): Promise<TestApp> {
  const { url: databaseUrl, drop } = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'http://veille.test',
    ...options.env,
  });
  const database = connectDatabase(databaseUrl, { max: 5 });
  const queue = await startQueue({ url: databaseUrl, supervise: Boolean(options.worker) });
  const outboxDir = path.join(dataDir, 'outbox');
  const mailer = options.mailer ?? createOutboxMailer({ directory: outboxDir, from: config.mailFrom });
  const changes = createPublicChangeFeed({ url: databaseUrl, pool: database.pool, pollMs: 200, reconnectMs: 1500 });
  const services = createServices({
    db: database.db,
    ping: database.ping,
    changes,
    mailer,
    queue,
    clock: options.clock ?? systemClock,
    config,
    fetchPage: options.fetchPage,
    linkHealth: options.linkHealth,
  });
  const app = await buildApp(services, config, { onRoute: options.onRoute, logger: options.logger });
  followChangesBeforeReading(app, changes);
  const worker = options.worker ? await startWorker({ services, log: pino({ level: 'silent' }) }) : undefined;
  t.after(async () => {
    await app.close();
    await worker?.stop();
    await queue.stop();
    mailer.close();
    await changes.close();
    await database.close();
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { app, services, database, config, databaseUrl, outboxDir, changes };
}

/**
 * Makes every request for a public page wait until the app has heard of the changes committed
 * before it. A browser's next request comes milliseconds after the change it follows, by which time
 * the notice has reached every web process; a test's next line comes sooner than the notice.
 */
export function followChangesBeforeReading(app: FastifyInstance, changes: ChangeFeed): void {
  const inject = app.inject.bind(app);
  app.inject = (async (options: string | InjectOptions) => {
    const request = typeof options === 'string' ? { method: 'GET', url: options } : options;
    const method = (request.method ?? 'GET').toUpperCase();
    if ((method === 'GET' || method === 'HEAD') && !/^\/(admin|api)(\/|$)/.test(String(request.url ?? '/'))) await changes.sync();
    return inject(options as never);
  }) as FastifyInstance['inject'];
}
