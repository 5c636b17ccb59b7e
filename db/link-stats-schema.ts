// The tables of what happens to an edition's links once it is out: the clicks of its email and the
// archive's checks of its links. Kept apart from schema.ts (which it builds on) to keep each file
// one reading; drizzle.config.ts and db/client.ts load both.
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { editions, links } from './schema.ts';

// Clicks on the links of an edition's email, counted without anyone: one counter per edition,
// link and hour, nothing about who clicked.
export const linkClicks = pgTable(
  'link_clicks',
  {
    editionId: uuid('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    linkId: uuid('link_id')
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    // The start of the hour the clicks came in.
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    clicks: integer('clicks').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.editionId, table.linkId, table.hour] }), index('link_clicks_link_id_idx').on(table.linkId)],
);

// The last minute of clicks of each visitor of an edition, to tell a mail scanner opening every
// link at once, or a double click, from a reader: the visitor is a keyed hash of the client's
// address and the edition, and rows are deleted once a minute old. The table is UNLOGGED (never
// in the write-ahead log, so never in a replica, and emptied by a crash):
// migrations/0014_click_window_unlogged.sql.
export const clickWindow = pgTable(
  'click_window',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    visitor: text('visitor').notNull(),
    linkId: uuid('link_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    // The hour bucket the click was counted in; null when it was not counted.
    countedHour: timestamp('counted_hour', { withTimezone: true }),
    // Set on every row of a visitor found opening several links at once: nothing more of theirs counts.
    scanner: boolean('scanner').notNull().default(false),
  },
  (table) => [index('click_window_visitor_idx').on(table.visitor), index('click_window_at_idx').on(table.at)],
);

// Every check of a published link by the archive's health job: the link's history, and whether it
// is dead (its last two checks at its current URL failed).
export const linkHealthChecks = pgTable(
  'link_health_checks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    linkId: uuid('link_id')
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    // The URL checked: a link given another URL starts a history of its own.
    url: text('url').notNull(),
    // null while a run holds the link (claimed, not answered yet).
    ok: boolean('ok'),
    reason: text('reason'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
  },
  (table) => [
    index('link_health_checks_link_idx').on(table.linkId, table.checkedAt),
    index('link_health_checks_started_at_idx').on(table.startedAt),
    // The few links that failed a check: where dead links are looked for.
    index('link_health_checks_failed_idx')
      .on(table.linkId)
      .where(sql`${table.ok} = false`),
  ],
);
