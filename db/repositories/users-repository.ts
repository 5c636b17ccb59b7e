import { asc, count, eq, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { users } from '../schema.ts';

export type Role = 'owner' | 'editor';
/** The languages the admin speaks. */
export type AdminLocale = UserRow['locale'];
export type UserRow = typeof users.$inferSelect;
/** A user as the rest of the app sees it: never the password hash. */
export type User = Omit<UserRow, 'passwordHash'>;

/** The columns of a user the rest of the app sees, for every query that reads one. */
export const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  locale: users.locale,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

/** SQL for the users table. */
export function createUsersRepository(db: Database) {
  return {
    /** Holds the first-run set-up lock until the transaction ends: two set-up forms at once create one owner. */
    async lockSetup(tx: DbOrTx): Promise<void> {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('veille:setup'))`);
    },

    async count(tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ value: count() }).from(users);
      return row?.value ?? 0;
    },

    async countOwners(tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ value: count() }).from(users).where(eq(users.role, 'owner'));
      return row?.value ?? 0;
    },

    async list(tx: DbOrTx = db): Promise<User[]> {
      return tx.select(userColumns).from(users).orderBy(asc(users.createdAt));
    },

    async findById(id: string, tx: DbOrTx = db): Promise<User | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select(userColumns).from(users).where(eq(users.id, id));
      return row;
    },

    /** Includes the password hash: only for verifying a sign-in or a password change. */
    async findWithHashByEmail(email: string, tx: DbOrTx = db): Promise<UserRow | undefined> {
      const [row] = await tx
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
      return row;
    },

    async findWithHashById(id: string, tx: DbOrTx = db): Promise<UserRow | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(users).where(eq(users.id, id));
      return row;
    },

    async insert(values: { email: string; name: string; role: Role; passwordHash: string; locale?: AdminLocale }, tx: DbOrTx = db): Promise<User> {
      const [row] = await tx.insert(users).values(values).returning(userColumns);
      return row!;
    },

    async update(
      id: string,
      values: Partial<{ name: string; role: Role; passwordHash: string; locale: AdminLocale }>,
      tx: DbOrTx = db,
    ): Promise<User | undefined> {
      const [row] = await tx
        .update(users)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(users.id, id))
        .returning(userColumns);
      return row;
    },

    async delete(id: string, tx: DbOrTx = db): Promise<boolean> {
      const deleted = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return deleted.length > 0;
    },

    /** Serialises changes to the set of owners, so two requests cannot both remove the last one. */
    async lockOwners(tx: DbOrTx): Promise<void> {
      await tx.select({ id: users.id }).from(users).where(eq(users.role, 'owner')).for('update');
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
