import { and, count, desc, eq, getTableColumns, ilike, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { subscriberImports } from '../import-schema.ts';
import { subscriberEvents, subscribers, subscriptionEvents, type emailSuppressions } from '../schema.ts';

export type Subscriber = typeof subscribers.$inferSelect;
export type SubscriberStatus = Subscriber['status'];
export type Consent = NonNullable<Subscriber['consent']>;
/** A line of a reader's history: a change of status (recorded by the database) or an email sent to them. */
export type SubscriberEvent = { kind: string; at: Date; detail: Record<string, string | null> | null };
/** An edition sent, or meant, to a reader. */
export type SubscriberDelivery = { period: string; title: string; status: string; at: Date | null; smtpResponse: string | null };
export type SuppressionReason = (typeof emailSuppressions.$inferSelect)['reason'];
export type Suppression = { reason: SuppressionReason; source: string; createdAt: Date };
export type SubscriptionEventKind = (typeof subscriptionEvents.$inferSelect)['kind'];

/** The key of an address in email_suppressions: SHA-256 of the lower-cased address, in hex, computed by PostgreSQL everywhere. */
export function emailHash(email: SQLWrapper | string): SQL {
  return sql`encode(sha256(convert_to(lower(${email}), 'UTF8')), 'hex')`;
}

/** SQL for subscribers and the anonymous history of the audience. */
export function createSubscribersRepository(db: Database) {
  return {
    async findById(id: string, tx: DbOrTx = db): Promise<Subscriber | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(subscribers).where(eq(subscribers.id, id));
      return row;
    },

    async findByEmail(email: string, tx: DbOrTx = db): Promise<Subscriber | undefined> {
      const [row] = await tx
        .select()
        .from(subscribers)
        .where(sql`lower(${subscribers.email}) = lower(${email})`);
      return row;
    },

    /** Creates a subscriber, or returns the existing one with that address (locked for update). */
    async insertOrFind(
      values: { email: string; status: SubscriberStatus; source: string; consent?: Consent | null; confirmedAt?: Date | null; createdAt?: Date },
      tx: DbOrTx = db,
    ): Promise<{ subscriber: Subscriber; created: boolean }> {
      const [inserted] = await tx.insert(subscribers).values(values).onConflictDoNothing().returning();
      if (inserted) return { subscriber: inserted, created: true };
      const [existing] = await tx
        .select()
        .from(subscribers)
        .where(sql`lower(${subscribers.email}) = lower(${values.email})`)
        .for('update');
      return { subscriber: existing!, created: false };
    },

    async update(id: string, values: Partial<Omit<Subscriber, 'id' | 'createdAt'>>, tx: DbOrTx = db): Promise<Subscriber | undefined> {
      const [row] = await tx
        .update(subscribers)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(subscribers.id, id))
        .returning();
      return row;
    },

    async delete(id: string, tx: DbOrTx = db): Promise<boolean> {
      const deleted = await tx.delete(subscribers).where(eq(subscribers.id, id)).returning({ id: subscribers.id });
      return deleted.length > 0;
    },

    async list(
      filter: { status?: SubscriberStatus; q?: string; limit: number; offset: number },
      tx: DbOrTx = db,
    ): Promise<{ rows: Array<Subscriber & { suppressed: SuppressionReason | null }>; total: number }> {
      const conditions: SQL[] = [];
      if (filter.status) conditions.push(eq(subscribers.status, filter.status));
      if (filter.q) conditions.push(ilike(subscribers.email, `%${filter.q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`));
      const where = conditions.length ? and(...conditions) : undefined;
      const [rows, [total]] = await Promise.all([
        tx
          .select({
            ...getTableColumns(subscribers),
            suppressed: sql<SuppressionReason | null>`(SELECT reason FROM email_suppressions WHERE email_hash = ${emailHash(subscribers.email)})`,
          })
          .from(subscribers)
          .where(where)
          .orderBy(desc(subscribers.createdAt), desc(subscribers.id))
          .limit(filter.limit)
          .offset(filter.offset),
        tx.select({ value: count() }).from(subscribers).where(where),
      ]);
      return { rows, total: total?.value ?? 0 };
    },

    async countsByStatus(tx: DbOrTx = db): Promise<Record<SubscriberStatus, number>> {
      const rows = await tx.select({ status: subscribers.status, value: count() }).from(subscribers).groupBy(subscribers.status);
      const counts = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
      for (const row of rows) counts[row.status] = row.value;
      return counts;
    },

    /** Every subscriber, oldest first, for the CSV export. */
    async all(tx: DbOrTx = db): Promise<Subscriber[]> {
      return tx.select().from(subscribers).orderBy(subscribers.createdAt);
    },

    /** Which of these addresses are subscribers already. */
    async existingEmails(emails: string[], tx: DbOrTx = db): Promise<Set<string>> {
      if (emails.length === 0) return new Set();
      // One JSON parameter, however many addresses (an import may bring 100,000).
      const result = await tx.execute<{ email: string }>(sql`
        SELECT lower(email) AS email FROM subscribers
        WHERE lower(email) IN (SELECT jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb))`);
      return new Set(result.rows.map((row) => row.email));
    },

    /** Inserts many subscribers at once; addresses already present are left alone. Returns how many were added. */
    async insertMany(
      rows: Array<{
        email: string;
        status: SubscriberStatus;
        source: string;
        consent: Consent;
        confirmedAt: Date | null;
        createdAt: Date;
        unsubscribedAt?: Date | null;
        bouncedAt?: Date | null;
      }>,
      tx: DbOrTx,
    ): Promise<number> {
      let added = 0;
      for (let start = 0; start < rows.length; start += 2000) {
        const inserted = await tx
          .insert(subscribers)
          .values(rows.slice(start, start + 2000))
          .onConflictDoNothing()
          .returning({ id: subscribers.id });
        added += inserted.length;
      }
      return added;
    },

    async recordEvents(kind: Exclude<SubscriptionEventKind, 'erased'>, dates: Date[], tx: DbOrTx): Promise<void> {
      for (let start = 0; start < dates.length; start += 5000) {
        await tx.insert(subscriptionEvents).values(dates.slice(start, start + 5000).map((at) => ({ kind, at })));
      }
    },

    async saveImport(values: { content: Buffer; filename: string; createdBy: string | null }, tx: DbOrTx = db): Promise<string> {
      const [row] = await tx.insert(subscriberImports).values(values).returning({ id: subscriberImports.id });
      return row!.id;
    },

    async findImport(id: string, tx: DbOrTx = db): Promise<{ content: Buffer; filename: string } | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx
        .select({ content: subscriberImports.content, filename: subscriberImports.filename })
        .from(subscriberImports)
        .where(eq(subscriberImports.id, id));
      return row;
    },

    async deleteImport(id: string, tx: DbOrTx = db): Promise<void> {
      await tx.delete(subscriberImports).where(eq(subscriberImports.id, id));
    },

    async recordEvent(kind: SubscriptionEventKind, at: Date, tx: DbOrTx = db): Promise<void> {
      await tx.insert(subscriptionEvents).values({ kind, at });
    },

    /** Adds a line to a reader's history (what the row itself does not show: the emails sent to them). */
    async addHistory(subscriberId: string, kind: string, at: Date, detail: Record<string, string | null> | null = null, tx: DbOrTx = db): Promise<void> {
      await tx.insert(subscriberEvents).values({ subscriberId, kind, at, detail });
    },

    /** A reader's history, newest first. */
    async history(subscriberId: string, limit: number, tx: DbOrTx = db): Promise<SubscriberEvent[]> {
      return tx
        .select({ kind: subscriberEvents.kind, at: subscriberEvents.at, detail: subscriberEvents.detail })
        .from(subscriberEvents)
        .where(eq(subscriberEvents.subscriberId, subscriberId))
        .orderBy(desc(subscriberEvents.at), desc(subscriberEvents.id))
        .limit(limit);
    },

    /** The editions sent (or being sent, or failed) to a reader, newest first. */
    async deliveriesOf(subscriberId: string, limit: number, tx: DbOrTx = db): Promise<SubscriberDelivery[]> {
      const result = await tx.execute<{ period: string; title: string; status: string; at: string | null; smtp_response: string | null }>(sql`
        SELECT e.period, e.title, d.status, coalesce(d.sent_at, s.created_at) AS at, d.smtp_response
        FROM deliveries d JOIN sends s ON s.id = d.send_id JOIN editions e ON e.id = s.edition_id
        WHERE d.subscriber_id = ${subscriberId}
        ORDER BY s.created_at DESC LIMIT ${limit}`);
      return result.rows.map((row) => ({
        period: row.period,
        title: row.title,
        status: row.status,
        at: row.at ? new Date(row.at) : null,
        smtpResponse: row.smtp_response,
      }));
    },

    /** Suppresses an address (a later reason replaces an earlier one); kept after the subscriber is erased. */
    async suppress(email: string, values: { reason: SuppressionReason; source: string; at: Date }, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`
        INSERT INTO email_suppressions (email_hash, reason, source, created_at)
        VALUES (${emailHash(email)}, ${values.reason}, ${values.source}, ${values.at.toISOString()})
        ON CONFLICT (email_hash) DO UPDATE SET reason = excluded.reason, source = excluded.source, created_at = excluded.created_at`);
    },

    /** Lifts an address's suppression (its reader confirmed a new subscription). */
    async unsuppress(email: string, tx: DbOrTx = db): Promise<void> {
      await tx.execute(sql`DELETE FROM email_suppressions WHERE email_hash = ${emailHash(email)}`);
    },

    async suppressionOf(email: string, tx: DbOrTx = db): Promise<Suppression | undefined> {
      const result = await tx.execute<{ reason: SuppressionReason; source: string; created_at: string | Date }>(
        sql`SELECT reason, source, created_at FROM email_suppressions WHERE email_hash = ${emailHash(email)}`,
      );
      const row = result.rows[0];
      return row ? { reason: row.reason, source: row.source, createdAt: new Date(row.created_at) } : undefined;
    },

    /** Which of these addresses are suppressed (lower-cased), and why. */
    async suppressedEmails(emails: string[], tx: DbOrTx = db): Promise<Map<string, SuppressionReason>> {
      if (emails.length === 0) return new Map();
      const result = await tx.execute<{ email: string; reason: SuppressionReason }>(sql`
        SELECT lower(given.email) AS email, s.reason
        FROM (SELECT jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb) AS email) AS given
        JOIN email_suppressions s ON s.email_hash = ${emailHash(sql`given.email`)}`);
      return new Map(result.rows.map((row) => [row.email, row.reason]));
    },

    /** Per month: new subscriptions, unsubscriptions (bounces and erasures included), from the anonymous history. */
    async monthlyGrowth(months: number, timeZone: string, tx: DbOrTx = db): Promise<Array<{ month: string; subscribed: number; left: number }>> {
      const result = await tx.execute<{ month: string; subscribed: number; left: number }>(sql`
        SELECT to_char(date_trunc('month', at AT TIME ZONE ${timeZone}), 'YYYY-MM') AS month,
               count(*) FILTER (WHERE kind = 'subscribed')::int AS subscribed,
               count(*) FILTER (WHERE kind <> 'subscribed')::int AS left
        FROM subscription_events
        WHERE at >= date_trunc('month', now() AT TIME ZONE ${timeZone}) - (${months - 1} || ' months')::interval
        GROUP BY 1 ORDER BY 1`);
      return result.rows;
    },

    /** Subscriptions minus departures before a date: the starting total of the chart. */
    async netBefore(at: Date, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<{ net: number }>(sql`
        SELECT (count(*) FILTER (WHERE kind = 'subscribed') - count(*) FILTER (WHERE kind <> 'subscribed'))::int AS net
        FROM subscription_events WHERE at < ${at.toISOString()}`);
      return result.rows[0]?.net ?? 0;
    },
  };
}

export type SubscribersRepository = ReturnType<typeof createSubscribersRepository>;
