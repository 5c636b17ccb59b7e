import { asc, eq, isNull, max, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { categories } from '../schema.ts';

export type Category = typeof categories.$inferSelect;

/** SQL for the categories table. */
export function createCategoriesRepository(db: Database) {
  return {
    async list(options: { includeArchived?: boolean } = {}, tx: DbOrTx = db): Promise<Category[]> {
      const query = tx.select().from(categories);
      return (options.includeArchived ? query : query.where(isNull(categories.archivedAt))).orderBy(asc(categories.position), asc(categories.name));
    },

    async findById(id: string, tx: DbOrTx = db): Promise<Category | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(categories).where(eq(categories.id, id));
      return row;
    },

    async findByName(name: string, tx: DbOrTx = db): Promise<Category | undefined> {
      const [row] = await tx.select().from(categories).where(sql`lower(${categories.name}) = lower(${name})`);
      return row;
    },

    async nextPosition(tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ value: max(categories.position) }).from(categories);
      return (row?.value ?? 0) + 1;
    },

    async insert(values: { name: string; position: number }, tx: DbOrTx = db): Promise<Category> {
      const [row] = await tx.insert(categories).values(values).returning();
      return row!;
    },

    /** Inserts unless a category of that name exists (any case); returns the one that exists after. */
    async insertOrGet(values: { name: string; position: number }, tx: DbOrTx = db): Promise<Category> {
      const [inserted] = await tx.insert(categories).values(values).onConflictDoNothing().returning();
      if (inserted) return inserted;
      const [existing] = await tx.select().from(categories).where(sql`lower(${categories.name}) = lower(${values.name})`);
      return existing!;
    },

    async update(id: string, values: Partial<{ name: string; position: number; archivedAt: Date | null }>, tx: DbOrTx = db): Promise<Category | undefined> {
      const [row] = await tx.update(categories).set(values).where(eq(categories.id, id)).returning();
      return row;
    },
  };
}

export type CategoriesRepository = ReturnType<typeof createCategoriesRepository>;
