import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

type Entry = { stamp: number; etag: string; lastModified: string; body: Buffer; type: string };

/**
 * Rendered public pages kept in memory until what they show changes. Validity is checked against
 * a stamp read from PostgreSQL on every request (the edition's updated_at, the settings'), so
 * several instances never serve a stale page for long, and a correction shows at once.
 */
export function createPublicCache(options: { maxEntries?: number; stampTtlMs?: number } = {}) {
  const entries = new Map<string, Entry>();
  const maxEntries = options.maxEntries ?? 500;
  // Under load, asking PostgreSQL for a page's stamp on every request costs more than serving the
  // page: a stamp read less than this long ago is reused, so a change shows within that delay.
  const stampTtlMs = options.stampTtlMs ?? 1000;
  const stamps = new Map<string, { readAt: number; value: Promise<unknown> }>();

  return {
    /** The freshness stamp of `key`, read through `load` at most once per TTL (concurrent readers share the read). */
    async stamp<T>(key: string, load: () => Promise<T>): Promise<T> {
      const now = Date.now();
      const known = stamps.get(key);
      if (known && now - known.readAt < stampTtlMs) return known.value as Promise<T>;
      const value = load();
      stamps.set(key, { readAt: now, value });
      if (stamps.size > maxEntries * 2) stamps.delete(stamps.keys().next().value!);
      value.catch(() => stamps.delete(key));
      return value;
    },

    /** Answers from the cache (or 304) when `stamp` has not moved, else builds, stores and sends. */
    async serve(
      request: FastifyRequest,
      reply: FastifyReply,
      key: string,
      stamp: Date,
      build: () => Promise<{ body: string; type: string }>,
    ): Promise<FastifyReply> {
      let entry = entries.get(key);
      if (!entry || entry.stamp !== stamp.getTime()) {
        const built = await build();
        const body = Buffer.from(built.body);
        entry = {
          stamp: stamp.getTime(),
          etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
          lastModified: new Date(Math.floor(stamp.getTime() / 1000) * 1000).toUTCString(),
          body,
          type: built.type,
        };
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, entry);
      }
      reply.header('ETag', entry.etag).header('Last-Modified', entry.lastModified).header('Cache-Control', 'public, no-cache');
      const ifNoneMatch = request.headers['if-none-match'];
      const ifModifiedSince = request.headers['if-modified-since'];
      if (
        (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === entry.etag)) ||
        (!ifNoneMatch && ifModifiedSince && Date.parse(ifModifiedSince) >= Date.parse(entry.lastModified))
      ) {
        return reply.code(304).send();
      }
      return reply.type(entry.type).send(entry.body);
    },

    clear: () => {
      entries.clear();
      stamps.clear();
    },
  };
}

export type PublicCache = ReturnType<typeof createPublicCache>;
