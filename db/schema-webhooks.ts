import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema.ts';

/** Addresses an owner registered to be told of events (edition.published, subscriber.confirmed...), each signed with its own secret. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  events: text('events')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  // Kept as it is: every call is signed with it (HMAC), so it cannot be stored hashed.
  secret: text('secret').notNull(),
  active: boolean('active').notNull().default(true),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One event for one hook: the exact body sent (retries send the same), and how the attempts went. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    // The event's id, the same for every hook it went to: receivers deduplicate on it.
    eventId: uuid('event_id').notNull(),
    event: text('event').notNull(),
    body: text('body').notNull(),
    // pending (not tried yet) -> retrying (failed, tried again later) -> delivered | failed (gave up)
    status: text('status', { enum: ['pending', 'retrying', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseCode: integer('response_code'),
    // The start of the answer, or why there was none ("The connection was refused.").
    response: text('response'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (table) => [
    index('webhook_deliveries_webhook_idx').on(table.webhookId, table.id),
    index('webhook_deliveries_pending_idx')
      .on(table.createdAt)
      .where(sql`${table.status} = 'pending'`),
    check('webhook_deliveries_status_check', sql`${table.status} in ('pending', 'retrying', 'delivered', 'failed')`),
  ],
);
