import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { settings } from '../schema.ts';

/** SQL for the key/value settings table. */
export function createSettingsRepository(db: Database) {
  return {
    async all(tx: DbOrTx = db): Promise<Record<string, unknown>> {
      const rows = await tx.select({ key: settings.key, value: settings.value }).from(settings);
      return Object.fromEntries(rows.map((row) => [row.key, row.value]));
    },

    async upsert(values: Record<string, unknown>, tx: DbOrTx = db): Promise<void> {
      const rows = Object.entries(values).map(([key, value]) => ({ key, value }));
      if (rows.length === 0) return;
      await tx
        .insert(settings)
        .values(rows)
        .onConflictDoUpdate({ target: settings.key, set: { value: sql`excluded.value`, updatedAt: sql`now()` } });
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
