import { asc, eq, isNull, max, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { preparedQuery } from './prepared.ts';
import { categories } from '../schema.ts';

export type Category = typeof categories.$inferSelect;

/** SQL for the categories table. Names are compared by their key (categories.name_key), never as typed. */
export function createCategoriesRepository(db: Database) {
  const current = preparedQuery(db, 'categories_current', (tx) =>
    tx.select().from(categories).where(isNull(categories.archivedAt)).orderBy(asc(categories.position), asc(categories.name)),
  );
  return {
    async list(options: { includeArchived?: boolean } = {}, tx: DbOrTx = db): Promise<Category[]> {
      if (!options.includeArchived) return current(tx).execute();
      return tx.select().from(categories).orderBy(asc(categories.position), asc(categories.name));
    },

    async findById(id: string, tx: DbOrTx = db): Promise<Category | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(categories).where(eq(categories.id, id));
      return row;
    },

    /** The category whose key is the key of this name. */
    async findByName(name: string, tx: DbOrTx = db): Promise<Category | undefined> {
      const [row] = await tx
        .select()
        .from(categories)
        .where(sql`${categories.nameKey} = category_key(${name})`);
      return row;
    },

    /** The key of each name, as the categories table computes it, in the order given. */
    async keysOf(names: string[], tx: DbOrTx = db): Promise<string[]> {
      if (names.length === 0) return [];
      const result = await tx.execute<{ key: string }>(sql`
        SELECT category_key(given.name) AS key FROM unnest(${sql.param(names)}::text[]) WITH ORDINALITY AS given(name, at) ORDER BY given.at`);
      return result.rows.map((row) => row.key);
    },

    async nextPosition(tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ value: max(categories.position) }).from(categories);
      return (row?.value ?? 0) + 1;
    },

    /** Inserts unless a category with the same key exists; undefined when one does. */
    async insertIfAbsent(values: { name: string; position: number }, tx: DbOrTx = db): Promise<Category | undefined> {
      const [inserted] = await tx.insert(categories).values(values).onConflictDoNothing({ target: categories.nameKey }).returning();
      return inserted;
    },

    /** Inserts unless a category with the same key exists; returns the one that exists after. */
    async insertOrGet(values: { name: string; position: number }, tx: DbOrTx = db): Promise<Category> {
      const [inserted] = await tx.insert(categories).values(values).onConflictDoNothing({ target: categories.nameKey }).returning();
      if (inserted) return inserted;
      const [existing] = await tx
        .select()
        .from(categories)
        .where(sql`${categories.nameKey} = category_key(${values.name})`);
      return existing!;
    },

    async update(id: string, values: Partial<{ name: string; position: number; archivedAt: Date | null }>, tx: DbOrTx = db): Promise<Category | undefined> {
      const [row] = await tx.update(categories).set(values).where(eq(categories.id, id)).returning();
      return row;
    },
  };
}

export type CategoriesRepository = ReturnType<typeof createCategoriesRepository>;
