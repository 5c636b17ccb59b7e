import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { deliveries, editions, sends } from '../schema.ts';
import { emailHash, type SubscriberStatus } from './subscribers-repository.ts';

export type Send = typeof sends.$inferSelect;
/** What the receiving side said of one message: a bounce for good, a soft bounce, a spam complaint. */
export type Feedback = NonNullable<(typeof deliveries.$inferSelect)['feedback']>;
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
          SELECT ${send.id}, id FROM subscribers
          WHERE status = ANY(${sql.param(values.audience.statuses)}::text[])
            AND NOT EXISTS (SELECT 1 FROM email_suppressions x WHERE x.email_hash = ${emailHash(sql`subscribers.email`)})
          ORDER BY created_at
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

    /** Marks a send that is sending as done; the send, or undefined when it was not sending (finished by another worker, paused). */
    async finish(id: string, tx: DbOrTx = db): Promise<Send | undefined> {
      const [row] = await tx
        .update(sends)
        .set({ status: 'done', finishedAt: sql`now()` })
        .where(and(eq(sends.id, id), eq(sends.status, 'sending')))
        .returning();
      return row;
    },

    /** Pauses a send that is sending, saying why (null: an editor paused it); false when it was not sending. */
    async pause(id: string, reason: string | null, tx: DbOrTx = db): Promise<boolean> {
      const paused = await tx
        .update(sends)
        .set({ status: 'paused', pauseReason: reason })
        .where(and(eq(sends.id, id), eq(sends.status, 'sending')))
        .returning({ id: sends.id });
      return paused.length > 0;
    },

    /**
     * Resumes a paused send. After an automatic pause, the counts of that moment become the
     * baseline the next check starts from, so the editor's decision is not undone at once.
     */
    async resume(id: string, tx: DbOrTx = db): Promise<boolean> {
      const resumed = await tx
        .update(sends)
        .set({
          status: 'sending',
          pauseReason: null,
          pauseBaseline: sql`CASE WHEN ${sends.pauseReason} IS NULL THEN ${sends.pauseBaseline}
            ELSE jsonb_build_object('accepted', ${sends.accepted}, 'refused', ${sends.refused}, 'bounces', ${sends.bounces}, 'complaints', ${sends.complaints}) END`,
        })
        .where(and(eq(sends.id, id), eq(sends.status, 'paused')))
        .returning({ id: sends.id });
      return resumed.length > 0;
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

    /**
     * Records many accepted messages of a send in one statement (a bulk send settles hundreds a
     * second), and counts them on the send in the same statement: the automatic pause reads them there.
     */
    async markSentMany(sendId: string, rows: Array<{ id: number; messageId: string; response: string; at: Date }>, tx: DbOrTx = db): Promise<void> {
      if (rows.length === 0) return;
      await tx.execute(sql`
        WITH settled AS (
          UPDATE deliveries d SET status = 'sent', message_id = v.message_id, smtp_response = v.smtp_response, sent_at = v.sent_at
          FROM unnest(${sql.param(rows.map((row) => row.id))}::bigint[], ${sql.param(rows.map((row) => row.messageId))}::text[],
                      ${sql.param(rows.map((row) => row.response.slice(0, 500)))}::text[], ${sql.param(rows.map((row) => row.at.toISOString()))}::timestamptz[])
               AS v(id, message_id, smtp_response, sent_at)
          WHERE d.id = v.id AND d.status <> 'sent'
          RETURNING 1
        )
        UPDATE sends SET accepted = accepted + (SELECT count(*) FROM settled) WHERE id = ${sendId}`);
    },

    /**
     * Records a message that failed for good (refused, or still failing after the last retry), with
     * what that says of the address; a refusal by the server (feedback given) is counted on the
     * send in the same statement.
     */
    async markFailed(id: number, values: { response: string; feedback: Feedback | null; at: Date }, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`
        WITH settled AS (
          UPDATE deliveries SET status = 'failed', smtp_response = ${values.response.slice(0, 500)},
            feedback = coalesce(${values.feedback}, feedback), feedback_at = CASE WHEN ${values.feedback}::text IS NULL THEN feedback_at ELSE ${values.at.toISOString()}::timestamptz END
          WHERE id = ${id} AND status <> 'failed'
          RETURNING send_id
        )
        UPDATE sends SET refused = refused + (${values.feedback}::text IS NOT NULL)::int FROM settled WHERE sends.id = settled.send_id`);
    },

    /**
     * Records a provider's feedback on a message, once: a soft bounce may become a bounce or a
     * complaint, nothing else changes. Counts it on the send in the same statement and returns the
     * send's new counts, or undefined when the delivery already said as much.
     */
    async recordFeedback(deliveryId: number, feedback: Feedback, at: Date, tx: DbOrTx = db): Promise<Send | undefined> {
      const result = await tx.execute<{ id: string }>(sql`
        WITH target AS (
          SELECT id, send_id, feedback AS previous FROM deliveries WHERE id = ${deliveryId} FOR UPDATE
        ), changed AS (
          UPDATE deliveries d SET feedback = ${feedback}, feedback_at = ${at.toISOString()}
          FROM target t
          WHERE d.id = t.id AND (t.previous IS NULL OR (t.previous = 'soft_bounce' AND ${feedback} <> 'soft_bounce'))
          RETURNING t.send_id, t.previous
        )
        UPDATE sends s SET
          bounces = s.bounces + (${feedback} = 'bounce')::int,
          complaints = s.complaints + (${feedback} = 'complaint')::int,
          soft_bounces = s.soft_bounces + (${feedback} = 'soft_bounce')::int - (c.previous IS NOT DISTINCT FROM 'soft_bounce')::int
        FROM changed c WHERE s.id = c.send_id
        RETURNING s.id`);
      const id = result.rows[0]?.id;
      if (!id) return undefined;
      const [send] = await tx.select().from(sends).where(eq(sends.id, id));
      return send;
    },

    /**
     * The delivery a provider's feedback is about: the subscriber's copy of the edition its
     * Message-ID names, else the subscriber's latest message sent before the feedback arrived.
     */
    async deliveryFor(subscriberId: string, values: { editionId?: string; at: Date }, tx: DbOrTx = db): Promise<{ id: number; sendId: string } | undefined> {
      if (!isRowId(subscriberId) || (values.editionId !== undefined && !isRowId(values.editionId))) return undefined;
      const result = await tx.execute<{ id: string; send_id: string }>(
        values.editionId
          ? sql`SELECT d.id, d.send_id FROM deliveries d JOIN sends s ON s.id = d.send_id
                WHERE d.subscriber_id = ${subscriberId} AND s.edition_id = ${values.editionId}`
          : sql`SELECT id, send_id FROM deliveries
                WHERE subscriber_id = ${subscriberId} AND status = 'sent' AND sent_at <= ${values.at.toISOString()}
                ORDER BY sent_at DESC LIMIT 1`,
      );
      const row = result.rows[0];
      return row ? { id: Number(row.id), sendId: row.send_id } : undefined;
    },

    /** The feedback on a subscriber's latest messages, newest send first: whether their soft bounces come in a row. */
    async latestFeedback(subscriberId: string, limit: number, tx: DbOrTx = db): Promise<Array<Feedback | null>> {
      const result = await tx.execute<{ feedback: Feedback | null }>(sql`
        SELECT d.feedback FROM deliveries d JOIN sends s ON s.id = d.send_id
        WHERE d.subscriber_id = ${subscriberId} AND d.status IN ('sent', 'failed')
        ORDER BY s.created_at DESC LIMIT ${limit}`);
      return result.rows.map((row) => row.feedback);
    },

    /** The latest sends with their edition, newest first: the dashboard's bounce and complaint rates. */
    async latest(limit: number, tx: DbOrTx = db): Promise<Array<Send & { period: string; title: string }>> {
      const rows = await tx
        .select({ send: sends, period: editions.period, title: editions.title })
        .from(sends)
        .innerJoin(editions, eq(editions.id, sends.editionId))
        .orderBy(desc(sends.createdAt))
        .limit(limit);
      return rows.map((row) => ({ ...row.send, period: row.period, title: row.title }));
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

    /** Who was sent what: the report of a send (complaints, failures and bounces first). */
    async report(sendId: string, limit: number, tx: DbOrTx = db) {
      const result = await tx.execute<{
        email: string | null;
        status: string;
        attempts: number;
        sent_at: string | null;
        smtp_response: string | null;
        message_id: string | null;
        feedback: Feedback | null;
      }>(sql`
        SELECT s.email, d.status, d.attempts, d.sent_at, d.smtp_response, d.message_id, d.feedback
        FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.send_id = ${sendId}
        ORDER BY CASE WHEN d.feedback = 'complaint' THEN 0 WHEN d.status = 'failed' OR d.feedback IS NOT NULL THEN 1
                      WHEN d.status = 'sending' THEN 2 WHEN d.status = 'queued' THEN 3 ELSE 4 END, d.id
        LIMIT ${limit}`);
      return result.rows.map((row) => ({
        email: row.email,
        status: row.status,
        attempts: row.attempts,
        sentAt: row.sent_at ? new Date(row.sent_at) : null,
        smtpResponse: row.smtp_response,
        messageId: row.message_id,
        feedback: row.feedback,
      }));
    },
  };
}

export type SendsRepository = ReturnType<typeof createSendsRepository>;
