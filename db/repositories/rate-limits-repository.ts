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
