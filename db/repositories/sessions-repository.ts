import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { sessions, users } from '../schema.ts';
import { preparedQuery } from './prepared.ts';
import { userColumns, type User } from './users-repository.ts';

export type Session = typeof sessions.$inferSelect;

/** SQL for the sessions table. */
export function createSessionsRepository(db: Database) {
  const liveWithUser = preparedQuery(db, 'sessions_live_with_user', (tx) =>
    tx
      .select({ session: sessions, user: userColumns })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.idHash, sql.placeholder('idHash')), gt(sessions.expiresAt, sql.placeholder('now')))),
  );
  return {
    async insert(values: typeof sessions.$inferInsert, tx: DbOrTx = db): Promise<Session> {
      const [row] = await tx.insert(sessions).values(values).returning();
      return row!;
    },

    /** The live session with this id hash and its user, in one query (runs on every admin request). */
    async findLiveWithUser(idHash: string, now: Date, tx: DbOrTx = db): Promise<{ session: Session; user: User } | undefined> {
      const [row] = await liveWithUser(tx).execute({ idHash, now });
      return row;
    },

    async touch(idHash: string, values: { lastSeenAt: Date; expiresAt: Date }, tx: DbOrTx = db): Promise<void> {
      await tx.update(sessions).set(values).where(eq(sessions.idHash, idHash));
    },

    async delete(idHash: string, tx: DbOrTx = db): Promise<void> {
      await tx.delete(sessions).where(eq(sessions.idHash, idHash));
    },

    /** Ends every session of a user, but the one whose hash is `keepIdHash` when given. */
    async deleteForUser(userId: string, keepIdHash: string | undefined, tx: DbOrTx = db): Promise<void> {
      await tx.delete(sessions).where(keepIdHash ? and(eq(sessions.userId, userId), ne(sessions.idHash, keepIdHash)) : eq(sessions.userId, userId));
    },

    async deleteExpired(now: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ idHash: sessions.idHash });
      return deleted.length;
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
