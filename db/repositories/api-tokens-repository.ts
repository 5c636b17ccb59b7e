import { and, desc, eq } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { apiTokens, users } from '../schema.ts';
import { userColumns, type User } from './users-repository.ts';

export type ApiToken = Omit<typeof apiTokens.$inferSelect, 'tokenHash'>;

const listed = {
  id: apiTokens.id,
  userId: apiTokens.userId,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
};

/** SQL for the api_tokens table. */
export function createApiTokensRepository(db: Database) {
  return {
    async insert(values: { userId: string; name: string; tokenHash: string; prefix: string }, tx: DbOrTx = db): Promise<ApiToken> {
      const [row] = await tx.insert(apiTokens).values(values).returning(listed);
      return row!;
    },

    async listForUser(userId: string, tx: DbOrTx = db): Promise<ApiToken[]> {
      return tx.select(listed).from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
    },

    async findUserByHash(tokenHash: string, tx: DbOrTx = db): Promise<{ tokenId: string; lastUsedAt: Date | null; user: User } | undefined> {
      const [row] = await tx
        .select({
          tokenId: apiTokens.id,
          lastUsedAt: apiTokens.lastUsedAt,
          user: userColumns,
        })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(eq(apiTokens.tokenHash, tokenHash));
      return row;
    },

    async markUsed(id: string, at: Date, tx: DbOrTx = db): Promise<void> {
      await tx.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
    },

    /** Deletes every token of a user; returns how many there were. */
    async deleteAllForUser(userId: string, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx.delete(apiTokens).where(eq(apiTokens.userId, userId)).returning({ id: apiTokens.id });
      return deleted.length;
    },

    async deleteForUser(id: string, userId: string, tx: DbOrTx = db): Promise<boolean> {
      const deleted = await tx
        .delete(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId)))
        .returning({ id: apiTokens.id });
      return deleted.length > 0;
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;
