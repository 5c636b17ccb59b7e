import { lt, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { rateLimits } from '../schema.ts';

/** SQL for the shared fixed-window counters. */
export function createRateLimitsRepository(db: Database) {
  return {
    /** Counts one hit on `key` and returns the window's count and end, starting a new window when the last one ended. */
    async hit(key: string, now: Date, windowMs: number, tx: DbOrTx = db): Promise<{ count: number; resetAt: Date }> {
      const resetAt = new Date(now.getTime() + windowMs);
      const result = await tx.execute<{ count: number; reset_at: Date | string }>(sql`
        INSERT INTO rate_limits (key, count, reset_at) VALUES (${key}, 1, ${resetAt.toISOString()})
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN rate_limits.reset_at <= ${now.toISOString()} THEN 1 ELSE rate_limits.count + 1 END,
          reset_at = CASE WHEN rate_limits.reset_at <= ${now.toISOString()} THEN excluded.reset_at ELSE rate_limits.reset_at END
        RETURNING count, reset_at`);
      const row = result.rows[0]!;
      return { count: Number(row.count), resetAt: new Date(row.reset_at) };
    },

    /** Takes back one hit of a window still running (an attempt that turned out not to count). */
    async release(key: string, now: Date, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`UPDATE rate_limits SET count = GREATEST(count - 1, 0) WHERE key = ${key} AND reset_at > ${now.toISOString()}`);
    },

    /**
     * The counter of `key`, locked until the end of `tx` so that concurrent requests read it one
     * after the other; a missing or expired counter reads as zero.
     */
    async lock(key: string, now: Date, tx: DbOrTx): Promise<{ count: number; resetAt: Date }> {
      await tx.execute(sql`INSERT INTO rate_limits (key, count, reset_at) VALUES (${key}, 0, ${now.toISOString()}) ON CONFLICT (key) DO NOTHING`);
      const result = await tx.execute<{ count: number; reset_at: Date | string }>(sql`SELECT count, reset_at FROM rate_limits WHERE key = ${key} FOR UPDATE`);
      const row = result.rows[0]!;
      const resetAt = new Date(row.reset_at);
      return resetAt.getTime() <= now.getTime() ? { count: 0, resetAt: now } : { count: Number(row.count), resetAt };
    },

    /** Sets a counter and when it is forgotten. */
    async set(key: string, values: { count: number; resetAt: Date }, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`
        INSERT INTO rate_limits (key, count, reset_at) VALUES (${key}, ${values.count}, ${values.resetAt.toISOString()})
        ON CONFLICT (key) DO UPDATE SET count = excluded.count, reset_at = excluded.reset_at`);
    },

    async clear(key: string, tx: DbOrTx = db): Promise<void> {
      await tx.delete(rateLimits).where(sql`${rateLimits.key} = ${key}`);
    },

    async deleteExpired(now: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx.delete(rateLimits).where(lt(rateLimits.resetAt, now)).returning({ key: rateLimits.key });
      return deleted.length;
    },
  };
}

export type RateLimitsRepository = ReturnType<typeof createRateLimitsRepository>;
