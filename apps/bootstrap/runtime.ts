import path from 'node:path';
import type { Logger } from 'pino';
import { connectDatabase, loadEmbeddedPostgres, runMigrations, waitForDatabase } from '../../db/client.ts';
import type { EmbeddedServer } from '../../db/embedded.ts';
import { createPublicChangeFeed } from '../../db/public-changes.ts';
import { systemClock, type Clock } from '../domain/platform/clock.ts';
import type { Config } from './config.ts';
import { createOutboxMailer, createSmtpMailer, type Mailer } from '../domain/mail/mailer.ts';
import { startQueue } from '../domain/platform/queue.ts';
import { createServices, type Services } from './services.ts';

export type Runtime = {
  services: Services;
  databaseUrl: string;
  /** Closes everything the runtime opened, in reverse order. */
  close: () => Promise<void>;
};

/** The mail transport the configuration asks for: SMTP when SMTP_URL is set, the outbox folder otherwise. */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir' | 'sendConcurrency' | 'dkim'>): Mailer {
  return config.smtpUrl
    ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, maxConnections: config.sendConcurrency, dkim: config.dkim })
    : createOutboxMailer({ directory: path.join(config.dataDir, 'outbox'), from: config.mailFrom });
}

/** A driver error as its code and message: its stack is the protocol parser's, and the connection it carries is noise. */
function briefly(error: Error): Error | { type: string; code: string; message: string } {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? { type: error.name, code, message: error.message } : error;
}

/**
 * Starts what every process needs: PostgreSQL (embedded unless DATABASE_URL is set), the
 * migrations, the job queue, the mailer and the services over them. A database that is starting,
 * recovering from a crash or not reachable yet is waited for, DATABASE_WAIT_SECONDS at most.
 */
export async function startRuntime(config: Config, log: Logger, options: { worker: boolean; clock?: Clock; mailer?: Mailer }): Promise<Runtime> {
  const databaseLog = { info: (message: string) => log.info(message), warn: (message: string) => log.warn(message) };
  const waitMs = config.databaseWaitSeconds * 1000;
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl) {
    await waitForDatabase(databaseUrl, { timeoutMs: waitMs, log: databaseLog });
  } else {
    const { startEmbeddedPostgres } = await loadEmbeddedPostgres();
    embedded = await startEmbeddedPostgres({
      directory: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
      database: 'veille',
      waitMs,
      log: databaseLog,
    });
    databaseUrl = embedded.url('veille');
    if (embedded.owned) log.info({ port: config.embeddedPostgresPort }, 'embedded PostgreSQL ready');
  }
  const database = connectDatabase(databaseUrl);
  try {
    await runMigrations(database.db);
    let closing = false;
    const queue = await startQueue({
      url: databaseUrl,
      supervise: options.worker,
      // pg-boss reports each of its connections that ends under it, with the whole client object:
      // one line each, and none while this process stops, when that is expected.
      onError: (error) =>
        closing ? log.debug({ err: briefly(error) }, 'job queue error while stopping') : log.error({ err: briefly(error) }, 'job queue error'),
    });
    const mailer = options.mailer ?? createMailer(config);
    // Connects only when a web server subscribes (the worker and the CLI never do).
    const changes = createPublicChangeFeed({ url: databaseUrl, pool: database.pool, pollMs: config.pageChangesPollMs, log: databaseLog });
    const services = createServices({ db: database.db, ping: database.ping, changes, mailer, queue, clock: options.clock ?? systemClock, config });
    return {
      services,
      databaseUrl,
      async close() {
        closing = true;
        await queue.stop().then(
          () => log.info('job queue stopped'),
          (error: unknown) => log.error({ err: error }, 'stopping the job queue failed'),
        );
        mailer.close();
        await changes.close();
        await database.close().catch(() => undefined);
        if (embedded?.owned) {
          await embedded.stop();
          log.info('embedded PostgreSQL stopped');
        }
      },
    };
  } catch (error) {
    await database.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}
