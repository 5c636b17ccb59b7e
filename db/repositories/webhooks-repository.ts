import { and, arrayContains, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { webhookDeliveries, webhooks } from '../schema.ts';

export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookDeliveryStatus = WebhookDelivery['status'];

/** SQL for the outgoing webhooks and the record of each call. */
export function createWebhooksRepository(db: Database) {
  return {
    async create(values: { url: string; description: string; events: string[]; secret: string; createdBy: string | null }, tx: DbOrTx = db): Promise<Webhook> {
      const [row] = await tx.insert(webhooks).values(values).returning();
      return row!;
    },

    /** Every webhook, oldest first, with its latest delivery's status and time. */
    async list(tx: DbOrTx = db): Promise<Array<Webhook & { lastStatus: WebhookDeliveryStatus | null; lastAt: Date | null }>> {
      const rows = await tx
        .select({
          webhook: webhooks,
          lastStatus: sql<WebhookDeliveryStatus | null>`(SELECT status FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id ORDER BY d.id DESC LIMIT 1)`,
          lastAt: sql<
            string | null
          >`(SELECT coalesce(d.last_attempt_at, d.created_at) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id ORDER BY d.id DESC LIMIT 1)`,
        })
        .from(webhooks)
        .orderBy(webhooks.createdAt);
      return rows.map((row) => ({ ...row.webhook, lastStatus: row.lastStatus, lastAt: row.lastAt ? new Date(row.lastAt) : null }));
    },

    async findById(id: string, tx: DbOrTx = db): Promise<Webhook | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(webhooks).where(eq(webhooks.id, id));
      return row;
    },

    async update(
      id: string,
      values: Partial<Pick<Webhook, 'url' | 'description' | 'events' | 'secret' | 'active'>>,
      tx: DbOrTx = db,
    ): Promise<Webhook | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.update(webhooks).set(values).where(eq(webhooks.id, id)).returning();
      return row;
    },

    async delete(id: string, tx: DbOrTx = db): Promise<boolean> {
      if (!isRowId(id)) return false;
      const deleted = await tx.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
      return deleted.length > 0;
    },

    /** The active webhooks that subscribed to an event. */
    async activeFor(event: string, tx: DbOrTx = db): Promise<Webhook[]> {
      return tx
        .select()
        .from(webhooks)
        .where(and(eq(webhooks.active, true), arrayContains(webhooks.events, [event])));
    },

    /** Records one event's deliveries, one per webhook; their ids. */
    async insertDeliveries(rows: Array<{ webhookId: string; eventId: string; event: string; body: string }>, tx: DbOrTx = db): Promise<number[]> {
      if (rows.length === 0) return [];
      const inserted = await tx.insert(webhookDeliveries).values(rows).returning({ id: webhookDeliveries.id });
      return inserted.map((row) => row.id);
    },

    /** A delivery with its webhook. */
    async findDelivery(id: number, tx: DbOrTx = db): Promise<{ delivery: WebhookDelivery; webhook: Webhook } | undefined> {
      const [row] = await tx
        .select({ delivery: webhookDeliveries, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(eq(webhookDeliveries.id, id));
      return row;
    },

    /** Records one attempt: its outcome, the answer's code and start, and one more attempt counted. */
    async recordAttempt(
      id: number,
      values: { status: WebhookDeliveryStatus; responseCode: number | null; response: string; at: Date },
      tx: DbOrTx = db,
    ): Promise<WebhookDelivery | undefined> {
      const [row] = await tx
        .update(webhookDeliveries)
        .set({
          status: values.status,
          responseCode: values.responseCode,
          response: values.response.slice(0, 500),
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          lastAttemptAt: values.at,
          deliveredAt: values.status === 'delivered' ? values.at : null,
        })
        .where(eq(webhookDeliveries.id, id))
        .returning();
      return row;
    },

    /** A webhook's latest deliveries, newest first. */
    async deliveries(webhookId: string, limit: number, tx: DbOrTx = db): Promise<WebhookDelivery[]> {
      if (!isRowId(webhookId)) return [];
      return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(desc(webhookDeliveries.id)).limit(limit);
    },

    /** Deliveries recorded before `before` and never tried: their job was lost (a process stopped between the two). */
    async untriedBefore(before: Date, limit: number, tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'pending'), lt(webhookDeliveries.createdAt, before)))
        .orderBy(webhookDeliveries.id)
        .limit(limit);
      return rows.map((row) => row.id);
    },

    /** Forgets the deliveries recorded before a date; how many. */
    async purgeBefore(before: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx.delete(webhookDeliveries).where(lt(webhookDeliveries.createdAt, before)).returning({ id: webhookDeliveries.id });
      return deleted.length;
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
