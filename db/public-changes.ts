// The notices PostgreSQL sends when what the public site shows changes (the triggers of
// migrations/0015_public_change_notifications.sql notify PUBLIC_CHANNEL), read by one connection
// of each web process that LISTENs. When that connection is lost, the process asks the database
// every few seconds whether anything changed instead, until it listens again; a notice may have
// been missed meanwhile, so every page is then taken as changed.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The channel the triggers notify. */
export const PUBLIC_CHANNEL = 'veille_public';
/** The application_name of the connection that listens. */
export const LISTENER_NAME = 'veille-page-changes';

/** What a notice says has changed: one published edition (and what lists editions), or anything. */
export type PublicChange = { scope: 'edition'; editionId: string } | { scope: 'all'; reason: string };

/** The notices of changes to the public site, for the caches that must follow them. */
export type ChangeFeed = {
  /** Calls `listener` for every change from now on (the first subscriber starts listening); returns the function that stops it. */
  subscribe: (listener: (change: PublicChange) => void) => () => void;
  /**
   * Calls `listener` for every change heard from now on without starting the feed: for a cache
   * that trusts itself only while `mode()` is 'listening' (in a web process), and reads through
   * in the worker and the command line, which never start it. Returns the function that stops it.
   */
  watch: (listener: (change: PublicChange) => void) => () => void;
  /**
   * Resolves once every change committed before the call has reached the listeners: a request
   * answered after it is as fresh as the database.
   */
  sync: () => Promise<void>;
  /** 'listening' while notices arrive as changes commit; 'polling' while they cannot, the database being asked every pollMs instead. */
  mode: () => 'idle' | 'listening' | 'polling';
  close: () => Promise<void>;
};

/** How a notice's payload reads: "edition:<id>" names an edition; anything else ("settings", "categories") may change every page. */
export function parseChange(payload: string): PublicChange {
  const match = /^edition:([0-9a-f-]{36})$/.exec(payload);
  return match ? { scope: 'edition', editionId: match[1]! } : { scope: 'all', reason: payload };
}

// What the fallback poll compares: published editions (their last change, which the links'
// and categories' triggers move too, and their number), the settings, the categories.
const STAMP_SQL = `
  SELECT concat_ws('|',
    (SELECT max(updated_at) FILTER (WHERE status = 'published')::text || '/' || count(*) FILTER (WHERE status = 'published') FROM editions),
    (SELECT max(updated_at)::text || '/' || count(*) FROM settings),
    (SELECT md5(string_agg(id::text || name || position::text || coalesce(archived_at::text, ''), ',' ORDER BY id)) FROM categories)
  ) AS stamp`;

type Log = { info: (message: string) => void; warn: (message: string) => void };

/**
 * The change feed of one process over the database at `url`. Nothing connects before the first
 * subscriber; `pool` answers the fallback poll while the listening connection is down.
 */
export function createPublicChangeFeed(options: { url: string; pool: pg.Pool; pollMs?: number; reconnectMs?: number; log?: Log }): ChangeFeed {
  const pollMs = options.pollMs ?? 2000;
  const reconnectMs = options.reconnectMs ?? pollMs;
  const log = options.log ?? { info: () => undefined, warn: () => undefined };
  const listeners = new Set<(change: PublicChange) => void>();
  // Each process's sync notices carry its own id: the other processes ignore them.
  const instance = randomUUID();
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let started = false;
  let heard = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let lastStamp: string | undefined;
  let syncs = 0;
  const waiting = new Map<string, () => void>();

  const emit = (change: PublicChange) => {
    for (const listener of listeners) listener(change);
  };

  function onNotice(message: pg.Notification): void {
    const payload = message.payload ?? '';
    if (payload.startsWith('sync:')) {
      waiting.get(payload)?.();
      waiting.delete(payload);
      return;
    }
    emit(parseChange(payload));
  }

  async function readStamp(): Promise<string> {
    const result = await options.pool.query<{ stamp: string }>(STAMP_SQL);
    return result.rows[0]?.stamp ?? '';
  }

  /** While not listening: asks whether anything changed, and says so when it did. */
  async function poll(): Promise<void> {
    const stamp = await readStamp().catch(() => undefined);
    if (stamp === undefined) return;
    if (lastStamp !== undefined && stamp !== lastStamp) emit({ scope: 'all', reason: 'polled' });
    lastStamp = stamp;
  }

  function startPolling(): void {
    if (pollTimer || closed) return;
    pollTimer = setInterval(() => void poll(), pollMs);
    pollTimer.unref();
  }

  function stopPolling(): void {
    clearInterval(pollTimer);
    pollTimer = undefined;
  }

  function lost(gone: pg.Client, error?: Error): void {
    if (client !== gone) return;
    client = undefined;
    clearInterval(heartbeat);
    gone.removeAllListeners('notification');
    gone.end().catch(() => undefined);
    // A sync waiting for a notice that will not come resolves: the poll answers for freshness now.
    for (const resolve of waiting.values()) resolve();
    waiting.clear();
    if (closed) return;
    if (listening) log.warn(`lost the connection that listens for page changes (${error?.message ?? 'closed'}): checking every ${pollMs} ms until it is back`);
    listening = false;
    void poll();
    startPolling();
    setTimeout(() => void connect(), reconnectMs).unref();
  }

  async function connect(): Promise<void> {
    if (closed || client) return;
    // Named, so that an operator sees which session listens (pg_stat_activity).
    const next = new pg.Client({ connectionString: options.url, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: LISTENER_NAME });
    client = next;
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next));
    next.on('notification', onNotice);
    try {
      await next.connect();
      await next.query(`LISTEN ${PUBLIC_CHANNEL}`);
    } catch (error) {
      lost(next, error as Error);
      return;
    }
    if (client !== next || closed) return;
    listening = true;
    stopPolling();
    // Notices sent while nobody listened are lost: every page may have changed meanwhile.
    if (heard) {
      log.info('listening for page changes again');
      emit({ scope: 'all', reason: 'reconnected' });
    }
    heard = true;
    // A connection that died without a word (a network cut) is noticed within a heartbeat.
    heartbeat = setInterval(() => {
      next.query('SELECT 1').catch((error: Error) => lost(next, error));
    }, 30_000);
    heartbeat.unref();
  }

  function start(): void {
    if (started) return;
    started = true;
    // Until the listening connection is up, the poll stands in for it.
    void poll();
    startPolling();
    void connect();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      start();
      return () => listeners.delete(listener);
    },

    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async sync() {
      if (!started) return;
      const current = client;
      if (!listening || !current) {
        await poll();
        return;
      }
      // Notices reach a listener in the order their transactions committed: once this one is
      // back, every change committed before it has been heard.
      const payload = `sync:${instance}:${++syncs}`;
      const heardBack = new Promise<void>((resolve) => waiting.set(payload, resolve));
      await current.query('SELECT pg_notify($1, $2)', [PUBLIC_CHANNEL, payload]).catch((error: Error) => lost(current, error));
      await heardBack;
    },

    mode: () => (!started || closed ? 'idle' : listening ? 'listening' : 'polling'),

    async close() {
      closed = true;
      stopPolling();
      clearInterval(heartbeat);
      const current = client;
      client = undefined;
      listening = false;
      for (const resolve of waiting.values()) resolve();
      waiting.clear();
      listeners.clear();
      if (current) {
        current.removeAllListeners();
        current.on('error', () => undefined);
        await current.end().catch(() => undefined);
      }
    },
  };
}
