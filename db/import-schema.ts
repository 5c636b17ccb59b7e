// The tables of uploads waiting for an editor's go-ahead: subscriber files and edition imports.
// Kept apart from schema.ts (which it builds on) to keep each file one reading; drizzle.config.ts
// and db/client.ts load both.
import { sql } from 'drizzle-orm';
import { check, customType, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

// An uploaded subscriber file between its preview and the editor's go-ahead.
export const subscriberImports = pgTable('subscriber_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  content: bytea('content').notNull(),
  filename: text('filename').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

// An import of editions (Markdown files, a feed, a Veille export): the plan shown as a dry run,
// then the progress of the job that carries it out, edition by edition.
export const editionImports = pgTable(
  'edition_imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Where it came from, for the editor: a file name or a feed's address.
    source: text('source').notNull(),
    // planned (dry run shown) -> queued -> running -> done | failed
    status: text('status', { enum: ['planned', 'queued', 'running', 'done', 'failed'] })
      .notNull()
      .default('planned'),
    // What was read: the editions and everything else the import would create.
    plan: jsonb('plan').notNull(),
    // The dry run's report, then the outcome of the run.
    report: jsonb('report').notNull(),
    total: integer('total').notNull().default(0),
    done: integer('done').notNull().default(0),
    error: text('error'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [check('edition_imports_status_check', sql`${table.status} in ('planned', 'queued', 'running', 'done', 'failed')`)],
);
