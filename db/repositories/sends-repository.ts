import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { deliveries, sends } from '../schema.ts';
import type { SubscriberStatus } from './subscribers-repository.ts';

export type Send = typeof sends.$inferSelect;
export type ClaimedDelivery = { id: number; subscriberId: string | null; email: string | null; subscriberStatus: SubscriberStatus | null; attempts: number };
/** Who a send goes to: the subscribers in these statuses. */
export type SendAudience = { statuses: SubscriberStatus[] };
export type SendProgress = {
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  total: number;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
};

/** A send in a few numbers, for the lists: its edition, when, how far, how well. */
export type SendSummary = {
  sendId: string;
  editionId: string;
  status: Send['status'];
  total: number;
  sent: number;
  failed: number;
  startedAt: Date;
  finishedAt: Date | null;
};

/** SQL for sends and their deliveries: the record of who has been sent what. */
export function createSendsRepository(db: Database) {
  return {
    /**
     * Creates the send and one queued delivery per subscriber of the audience given, oldest first,
     * in one statement; undefined if the edition has a send already. Run it in a transaction.
     */
    async create(values: { editionId: string; startedBy: string | null; audience: SendAudience }, tx: DbOrTx): Promise<Send | undefined> {
      const [send] = await tx
        .insert(sends)
        .values({ editionId: values.editionId, startedBy: values.startedBy })
        .onConflictDoNothing({ target: sends.editionId })
        .returning();
      if (!send) return undefined;
      const inserted = await tx.execute<{ count: number }>(sql`
        WITH added AS (
          INSERT INTO deliveries (send_id, subscriber_id)
          SELECT ${send.id}, id FROM subscribers WHERE status = ANY(${sql.param(values.audience.statuses)}::text[]) ORDER BY created_at
          ON CONFLICT DO NOTHING RETURNING 1
        ) SELECT count(*)::int AS count FROM added`);
      const total = inserted.rows[0]?.count ?? 0;
      const [updated] = await tx.update(sends).set({ total }).where(eq(sends.id, send.id)).returning();
      return updated;
    },

    async findByEdition(editionId: string, tx: DbOrTx = db): Promise<Send | undefined> {
      const [row] = await tx.select().from(sends).where(eq(sends.editionId, editionId));
      return row;
    },

    async findById(id: string, tx: DbOrTx = db): Promise<Send | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(sends).where(eq(sends.id, id));
      return row;
    },

    async listActive(tx: DbOrTx = db): Promise<Send[]> {
      return tx.select().from(sends).where(eq(sends.status, 'sending'));
    },

    async setStatus(id: string, status: Send['status'], tx: DbOrTx = db): Promise<void> {
      await tx
        .update(sends)
        .set({ status, finishedAt: status === 'done' ? sql`now()` : null })
        .where(eq(sends.id, id));
    },

    /**
     * Claims up to `limit` due deliveries of a send for this worker (SKIP LOCKED: several workers
     * share a send without ever taking the same row). Claimed rows are marked 'sending'.
     */
    async claim(sendId: string, limit: number, now: Date, tx: DbOrTx = db): Promise<ClaimedDelivery[]> {
      const result = await tx.execute<{
        id: string;
        subscriber_id: string | null;
        email: string | null;
        subscriber_status: string | null;
        attempts: number;
      }>(sql`
        WITH picked AS (
          SELECT id FROM deliveries
          WHERE send_id = ${sendId} AND status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ${now.toISOString()})
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        UPDATE deliveries d SET status = 'sending', claimed_at = ${now.toISOString()}, attempts = d.attempts + 1
        FROM picked WHERE d.id = picked.id
        RETURNING d.id, d.subscriber_id, d.attempts,
          (SELECT email FROM subscribers s WHERE s.id = d.subscriber_id) AS email,
          (SELECT status FROM subscribers s WHERE s.id = d.subscriber_id) AS subscriber_status`);
      return result.rows.map((row) => ({
        id: Number(row.id),
        subscriberId: row.subscriber_id,
        email: row.email,
        subscriberStatus: row.subscriber_status as SubscriberStatus | null,
        attempts: row.attempts,
      }));
    },

    async markSent(id: number, values: { messageId: string; response: string; at: Date }, tx: DbOrTx = db): Promise<void> {
      await tx
        .update(deliveries)
        .set({ status: 'sent', messageId: values.messageId, smtpResponse: values.response.slice(0, 500), sentAt: values.at })
        .where(eq(deliveries.id, id));
    },

    /** Records many accepted messages in one statement (a bulk send settles hundreds a second). */
    async markSentMany(rows: Array<{ id: number; messageId: string; response: string; at: Date }>, tx: DbOrTx = db): Promise<void> {
      if (rows.length === 0) return;
      await tx.execute(sql`
        UPDATE deliveries d SET status = 'sent', message_id = v.message_id, smtp_response = v.smtp_response, sent_at = v.sent_at
        FROM unnest(${sql.param(rows.map((row) => row.id))}::bigint[], ${sql.param(rows.map((row) => row.messageId))}::text[],
                    ${sql.param(rows.map((row) => row.response.slice(0, 500)))}::text[], ${sql.param(rows.map((row) => row.at.toISOString()))}::timestamptz[])
             AS v(id, message_id, smtp_response, sent_at)
        WHERE d.id = v.id`);
    },

    async markFailed(id: number, response: string, tx: DbOrTx = db): Promise<void> {
      await tx
        .update(deliveries)
        .set({ status: 'failed', smtpResponse: response.slice(0, 500) })
        .where(eq(deliveries.id, id));
    },

    async markSkipped(id: number, reason: string, tx: DbOrTx = db): Promise<void> {
      await tx.update(deliveries).set({ status: 'skipped', smtpResponse: reason }).where(eq(deliveries.id, id));
    },

    /** Puts a delivery back in the queue for a later attempt (a temporary SMTP failure). */
    async retryLater(id: number, response: string, at: Date, tx: DbOrTx = db): Promise<void> {
      await tx
        .update(deliveries)
        .set({ status: 'queued', smtpResponse: response.slice(0, 500), nextAttemptAt: at, claimedAt: null })
        .where(eq(deliveries.id, id));
    },

    /**
     * Deliveries claimed by a worker that died before recording the outcome go back to the queue.
     * The SMTP server may have accepted some of them: the stable Message-ID makes a second copy
     * recognisable as the same message.
     */
    async releaseStale(olderThan: Date, tx: DbOrTx = db): Promise<number> {
      const released = await tx
        .update(deliveries)
        .set({ status: 'queued', claimedAt: null })
        .where(and(eq(deliveries.status, 'sending'), sql`${deliveries.claimedAt} < ${olderThan.toISOString()}`))
        .returning({ id: deliveries.id });
      return released.length;
    },

    /** Puts deliveries a run claimed but never tried back in the queue, as they were (a run that stops early). */
    async releaseClaims(ids: number[], tx: DbOrTx = db): Promise<number> {
      if (ids.length === 0) return 0;
      const released = await tx
        .update(deliveries)
        .set({ status: 'queued', claimedAt: null, attempts: sql`greatest(${deliveries.attempts} - 1, 0)` })
        .where(and(inArray(deliveries.id, ids), eq(deliveries.status, 'sending')))
        .returning({ id: deliveries.id });
      return released.length;
    },

    async retryFailed(sendId: string, tx: DbOrTx = db): Promise<number> {
      const retried = await tx
        .update(deliveries)
        .set({ status: 'queued', attempts: 0, nextAttemptAt: null })
        .where(and(eq(deliveries.sendId, sendId), eq(deliveries.status, 'failed')))
        .returning({ id: deliveries.id });
      return retried.length;
    },

    async progress(sendId: string, tx: DbOrTx = db): Promise<SendProgress> {
      const result = await tx.execute<Record<string, number | string | null>>(sql`
        SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
               count(*) FILTER (WHERE status = 'sending')::int AS sending,
               count(*) FILTER (WHERE status = 'sent')::int AS sent,
               count(*) FILTER (WHERE status = 'failed')::int AS failed,
               count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
               count(*)::int AS total,
               min(sent_at) AS first_sent_at, max(sent_at) AS last_sent_at
        FROM deliveries WHERE send_id = ${sendId}`);
      const row = result.rows[0] ?? {};
      const date = (value: unknown) => (value ? new Date(String(value)) : null);
      return {
        queued: Number(row.queued ?? 0),
        sending: Number(row.sending ?? 0),
        sent: Number(row.sent ?? 0),
        failed: Number(row.failed ?? 0),
        skipped: Number(row.skipped ?? 0),
        total: Number(row.total ?? 0),
        firstSentAt: date(row.first_sent_at),
        lastSentAt: date(row.last_sent_at),
      };
    },

    /** Every send, newest first (or the `limit` newest), with its delivered and failed counts. */
    async summaries(limit: number | null = null, tx: DbOrTx = db): Promise<SendSummary[]> {
      const result = await tx.execute<{
        send_id: string;
        edition_id: string;
        status: Send['status'];
        total: number;
        sent: number;
        failed: number;
        created_at: string;
        finished_at: string | null;
      }>(sql`
        SELECT s.id AS send_id, s.edition_id, s.status, s.total, s.created_at, s.finished_at,
               (SELECT count(*) FROM deliveries d WHERE d.send_id = s.id AND d.status = 'sent')::int AS sent,
               (SELECT count(*) FROM deliveries d WHERE d.send_id = s.id AND d.status = 'failed')::int AS failed
        FROM sends s ORDER BY s.created_at DESC, s.id ${limit === null ? sql`` : sql`LIMIT ${limit}`}`);
      return result.rows.map((row) => ({
        sendId: row.send_id,
        editionId: row.edition_id,
        status: row.status,
        total: row.total,
        sent: row.sent,
        failed: row.failed,
        startedAt: new Date(row.created_at),
        finishedAt: row.finished_at ? new Date(row.finished_at) : null,
      }));
    },

    /** Who was sent what: the report of a send (failed first). */
    async report(sendId: string, limit: number, tx: DbOrTx = db) {
      const result = await tx.execute<{
        email: string | null;
        status: string;
        attempts: number;
        sent_at: string | null;
        smtp_response: string | null;
        message_id: string | null;
      }>(sql`
        SELECT s.email, d.status, d.attempts, d.sent_at, d.smtp_response, d.message_id
        FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.send_id = ${sendId}
        ORDER BY CASE d.status WHEN 'failed' THEN 0 WHEN 'sending' THEN 1 WHEN 'queued' THEN 2 ELSE 3 END, d.id
        LIMIT ${limit}`);
      return result.rows.map((row) => ({
        email: row.email,
        status: row.status,
        attempts: row.attempts,
        sentAt: row.sent_at ? new Date(row.sent_at) : null,
        smtpResponse: row.smtp_response,
        messageId: row.message_id,
      }));
    },
  };
}

export type SendsRepository = ReturnType<typeof createSendsRepository>;
