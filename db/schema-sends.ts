// Sending editions: one send per edition and one delivery per reader, with what became of each
// message. Part of the schema (db/schema.ts re-exports it).
import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { editions, subscribers, users } from './schema.ts';

// Read when this module is evaluated, before schema.ts's own helper exists (the two import each other).
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

// One send per edition: the audience is fixed when it starts, one delivery row per subscriber.
export const sends = pgTable(
  'sends',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    editionId: uuid('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['sending', 'paused', 'done'] })
      .notNull()
      .default('sending'),
    total: integer('total').notNull().default(0),
    // What became of the messages, counted as it happens so the automatic pause reads one row:
    // accepted by the SMTP server, refused by it for good, and the providers' feedback since.
    accepted: integer('accepted').notNull().default(0),
    refused: integer('refused').notNull().default(0),
    bounces: integer('bounces').notNull().default(0),
    softBounces: integer('soft_bounces').notNull().default(0),
    complaints: integer('complaints').notNull().default(0),
    // Why the send paused itself (null when an editor paused it); the counts when an editor resumed it.
    pauseReason: text('pause_reason'),
    pauseBaseline: jsonb('pause_baseline').$type<{ accepted: number; refused: number; bounces: number; complaints: number }>(),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('sends_edition_id_key').on(table.editionId), check('sends_status_check', sql`${table.status} in ('sending', 'paused', 'done')`)],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sendId: uuid('send_id')
      .notNull()
      .references(() => sends.id, { onDelete: 'cascade' }),
    // Kept when the subscriber is erased, without anything personal: the counts stay right.
    subscriberId: uuid('subscriber_id').references(() => subscribers.id, { onDelete: 'set null' }),
    // queued -> sending (claimed by a worker) -> sent | failed | skipped (unsubscribed meanwhile)
    status: text('status', { enum: ['queued', 'sending', 'sent', 'failed', 'skipped'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    smtpResponse: text('smtp_response'),
    messageId: text('message_id'),
    // What the receiving side said later (or the SMTP server at once): one per message, counted once.
    feedback: text('feedback', { enum: ['bounce', 'soft_bounce', 'complaint'] }),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('deliveries_send_subscriber_key').on(table.sendId, table.subscriberId),
    index('deliveries_queue_idx').on(table.sendId, table.status, table.id),
    // A reader's deliveries: their latest sends (soft bounces in a row), erasure.
    index('deliveries_subscriber_idx').on(table.subscriberId),
    check('deliveries_status_check', sql`${table.status} in ('queued', 'sending', 'sent', 'failed', 'skipped')`),
    check('deliveries_feedback_check', sql`${table.feedback} in ('bounce', 'soft_bounce', 'complaint')`),
  ],
);
