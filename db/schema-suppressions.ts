import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Addresses never to be mailed again without a new double opt-in: hard bounces, complaints, soft
 * bounces in a row. Keyed by the SHA-256 of the lower-cased address (emailHash() in
 * db/repositories/subscribers-repository.ts), so that the rule outlives a reader's erasure
 * without keeping the address itself.
 */
export const emailSuppressions = pgTable(
  'email_suppressions',
  {
    emailHash: text('email_hash').primaryKey(),
    reason: text('reason', { enum: ['bounce', 'complaint', 'soft_bounces'] }).notNull(),
    // Who said so: smtp (the delivery pipeline), ses, postmark, mailgun, sendgrid.
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('email_suppressions_reason_check', sql`${table.reason} in ('bounce', 'complaint', 'soft_bounces')`)],
);
