import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { invitations, users } from '../schema.ts';
import type { Role } from './users-repository.ts';

export type Invitation = Omit<typeof invitations.$inferSelect, 'tokenHash'> & { invitedByName: string | null };

const listed = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  invitedBy: invitations.invitedBy,
  invitedByName: users.name,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
  acceptedAt: invitations.acceptedAt,
};

function pendingByHash(tx: DbOrTx, tokenHash: string, now: Date) {
  return tx
    .select(listed)
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)));
}

/** SQL for the invitations table. */
export function createInvitationsRepository(db: Database) {
  return {
    async insert(
      values: { email: string; role: Role; tokenHash: string; invitedBy: string | null; expiresAt: Date },
      tx: DbOrTx = db,
    ): Promise<{ id: string }> {
      const [row] = await tx.insert(invitations).values(values).returning({ id: invitations.id });
      return row!;
    },

    async listPending(now: Date, tx: DbOrTx = db): Promise<Invitation[]> {
      return tx
        .select(listed)
        .from(invitations)
        .leftJoin(users, eq(users.id, invitations.invitedBy))
        .where(and(isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
        .orderBy(desc(invitations.createdAt));
    },

    /** The pending invitation for this token. */
    async findPendingByHash(tokenHash: string, now: Date, tx: DbOrTx = db): Promise<Invitation | undefined> {
      const [row] = await pendingByHash(tx, tokenHash, now);
      return row;
    },

    /** The pending invitation for this token, locked until the end of `tx`, which will accept it. */
    async lockPendingByHash(tokenHash: string, now: Date, tx: DbOrTx): Promise<Invitation | undefined> {
      const [row] = await pendingByHash(tx, tokenHash, now).for('update', { of: invitations });
      return row;
    },

    async markAccepted(id: string, at: Date, tx: DbOrTx = db): Promise<void> {
      await tx.update(invitations).set({ acceptedAt: at }).where(eq(invitations.id, id));
    },

    async revokePendingForEmail(email: string, tx: DbOrTx = db): Promise<void> {
      await tx.delete(invitations).where(and(sql`lower(${invitations.email}) = lower(${email})`, isNull(invitations.acceptedAt)));
    },

    async delete(id: string, tx: DbOrTx = db): Promise<boolean> {
      const deleted = await tx.delete(invitations).where(eq(invitations.id, id)).returning({ id: invitations.id });
      return deleted.length > 0;
    },

    async deleteExpired(now: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx
        .delete(invitations)
        .where(and(lt(invitations.expiresAt, now), isNull(invitations.acceptedAt)))
        .returning({ id: invitations.id });
      return deleted.length;
    },
  };
}

export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;
