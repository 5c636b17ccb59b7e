import { sql, type SQL } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['owner', 'editor'] }).notNull(),
    // The admin's language for this person (the newsletter's own is in settings).
    locale: text('locale').$type<'en' | 'fr'>().notNull().default('en'),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('users_email_key').on(sql`lower(${table.email})`),
    check('users_role_check', sql`${table.role} in ('owner', 'editor')`),
    check('users_locale_check', sql`${table.locale} in ('en', 'fr')`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    // HMAC of the random id held in the cookie: a leaked table does not yield usable cookies.
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (table) => [index('sessions_user_id_idx').on(table.userId), index('sessions_expires_at_idx').on(table.expiresAt)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    // The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('api_tokens_token_hash_key').on(table.tokenHash), index('api_tokens_user_id_idx').on(table.userId)],
);

export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'editor'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('invitations_token_hash_key').on(table.tokenHash)],
);

// Fixed-window counters shared by every web instance (sign-in attempts, subscribe requests).
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('rate_limits_reset_at_idx').on(table.resetAt)],
);

// Newsletter-wide settings, one row per key; the domain layer owns the shape and the defaults.
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const categories = pgTable(
  'categories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    // The one key a category is known by, wherever its name comes from (the admin, the API, an
    // import): accents and case folded, whitespace collapsed, so "donnees" and "Données" are one
    // category. category_key() is an IMMUTABLE SQL function declared in the custom migration
    // migrations/0011_category_key_and_search_column.sql.
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs((): SQL => sql`category_key(${categories.name})`),
    position: doublePrecision('position').notNull(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('categories_name_key').on(table.nameKey), index('categories_position_idx').on(table.position)],
);

/**
 * One block of an edition's document, in the order readers see them: a category's section (its
 * links are the edition's links of that category, in their position order; null holds the links
 * of no category) with optional text before and after its links, or a section of text alone.
 * The rules are in apps/domain/editions/edition-blocks.ts; migrations/0017_edition_blocks.sql
 * made them from the category order and free sections editions had before.
 */
export type StoredBlock =
  | { kind: 'category'; categoryId: string | null; intro: string; outro: string; keepEmpty: boolean }
  | { kind: 'text'; id: string; heading: string; body: string };

export const editions = pgTable(
  'editions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // YYYY-MM for monthly editions, YYYY-Www (ISO week) for weekly ones.
    period: text('period').notNull(),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    intro: text('intro').notNull().default(''),
    outro: text('outro').notNull().default(''),
    // The document's blocks in order; a category holding links of the edition without a block of
    // its own is shown after the last category block.
    blocks: jsonb('blocks')
      .$type<StoredBlock[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    status: text('status', { enum: ['draft', 'scheduled', 'published'] })
      .notNull()
      .default('draft'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    correctedAt: timestamp('corrected_at', { withTimezone: true }),
    // Bumped by every change: an editor saving over a newer version gets a conflict, not a silent overwrite.
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    // When anything the edition shows last changed: its public pages, feeds and ETags are rebuilt
    // after it moves. Its own writes set it; triggers set it too when one of its links is added,
    // edited, moved or removed, or a category it shows is renamed, whatever code path does it:
    // links_touch_editions and categories_touch_editions in migrations/0005_edition_freshness.sql.
    // A change to a published edition, the settings or the categories notifies the web processes,
    // which keep the public pages in memory: migrations/0015_public_change_notifications.sql.
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('editions_period_key').on(table.period),
    uniqueIndex('editions_slug_key').on(table.slug),
    index('editions_status_published_idx').on(table.status, table.publishedAt),
    check('editions_status_check', sql`${table.status} in ('draft', 'scheduled', 'published')`),
  ],
);

// Paths a published edition answered at before its slug changed: each answers 301 to where it is
// now, so that links in sent emails, feeds and other sites keep working.
export const editionPaths = pgTable(
  'edition_paths',
  {
    path: text('path').primaryKey(),
    editionId: uuid('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [index('edition_paths_edition_id_idx').on(table.editionId)],
);

export const links = pgTable(
  'links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    normalizedUrl: text('normalized_url').notNull(),
    title: text('title'),
    description: text('description'),
    siteName: text('site_name'),
    canonicalUrl: text('canonical_url'),
    language: text('language'),
    commentary: text('commentary').notNull().default(''),
    // The commentary rendered and sanitised once, when it is saved, rather than on every page view.
    commentaryHtml: text('commentary_html').notNull().default(''),
    via: text('via'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    editionId: uuid('edition_id').references(() => editions.id, { onDelete: 'set null' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => links.id, { onDelete: 'cascade' }),
    // Fractional ordering: moving a link writes one row (the midpoint of its new neighbours).
    position: doublePrecision('position').notNull(),
    fetchStatus: text('fetch_status', { enum: ['pending', 'ok', 'failed'] })
      .notNull()
      .default('pending'),
    fetchError: text('fetch_error'),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    // Fields the editor wrote by hand; a later metadata fetch leaves them alone.
    editedFields: text('edited_fields')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Deleted links stay a few minutes so that "undo" can bring them back.
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    // French and English stems and the words as written, accents folded, weighted title >
    // commentary > description > the rest. links_search_vector() is an IMMUTABLE SQL function
    // declared in the custom migration migrations/0002_search.sql, with the text search
    // configurations it uses, and last changed in migrations/0016_search_words_as_typed.sql.
    search: tsvector('search').generatedAlwaysAs(
      (): SQL =>
        sql`links_search_vector(${links.title}, ${links.commentary}, ${links.description}, ${links.siteName}, ${links.via}, ${links.url}, ${links.tags})`,
    ),
  },
  (table) => [
    index('links_group_position_idx')
      .on(table.editionId, table.categoryId, table.position)
      .where(sql`${table.deletedAt} is null and ${table.parentId} is null`),
    // The inbox (links not yet in an edition) is small and read on every inbox view.
    index('links_inbox_idx')
      .on(table.categoryId, table.position)
      .where(sql`${table.editionId} is null and ${table.deletedAt} is null`),
    index('links_parent_idx')
      .on(table.parentId, table.position)
      .where(sql`${table.parentId} is not null`),
    index('links_normalized_url_idx').on(table.normalizedUrl),
    index('links_created_at_idx').on(table.createdAt),
    index('links_search_idx').using('gin', table.search),
    // The inbox's search looks through the inbox only: this index holds its few hundred links, where
    // the one above holds every link ever kept (a common prefix there matches thousands of them).
    index('links_inbox_search_idx')
      .using('gin', table.search)
      .where(sql`${table.editionId} is null and ${table.deletedAt} is null`),
    index('links_tags_idx').using('gin', table.tags),
    check('links_fetch_status_check', sql`${table.fetchStatus} in ('pending', 'ok', 'failed')`),
  ],
);

// The last check of an edition's links before sending, one row per link (nested ones included).
// A new run replaces the edition's rows as a whole; run_id lets a superseded run's late answers
// find nothing to update. ok is null while the run has not reached the link yet.
export const linkChecks = pgTable(
  'link_checks',
  {
    runId: uuid('run_id').notNull(),
    editionId: uuid('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    linkId: uuid('link_id')
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    // The URL as it was checked: a link edited since then makes the result stale.
    url: text('url').notNull(),
    ok: boolean('ok'),
    // Why the link does not load, as the fetcher said it ("The page answered 404 Not Found.").
    reason: text('reason'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.runId, table.linkId] }), index('link_checks_edition_id_idx').on(table.editionId)],
);

export const subscribers = pgTable(
  'subscribers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    status: text('status', { enum: ['pending', 'active', 'unsubscribed', 'bounced'] }).notNull(),
    // How the subscription was given: time, address, form and the text shown (kept as proof of consent).
    consent: jsonb('consent').$type<{ at: string; ip: string | null; form: string; text: string }>(),
    source: text('source').notNull().default('form'),
    createdAt: createdAt(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
    bouncedAt: timestamp('bounced_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('subscribers_email_key').on(sql`lower(${table.email})`),
    index('subscribers_status_idx').on(table.status),
    check('subscribers_status_check', sql`${table.status} in ('pending', 'active', 'unsubscribed', 'bounced')`),
  ],
);

// What happened to the audience, without who: the growth chart survives a subscriber's erasure.
export const subscriptionEvents = pgTable(
  'subscription_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['subscribed', 'unsubscribed', 'bounced', 'complained', 'erased'] }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('subscription_events_at_idx').on(table.at)],
);

// A reader's history, erased with them: statuses by triggers (migrations/0019_subscriber_history_trigger.sql), emails by the service.
export const subscriberEvents = pgTable(
  'subscriber_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriberId: uuid('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    detail: jsonb('detail').$type<Record<string, string | null>>(),
  },
  (table) => [index('subscriber_events_subscriber_idx').on(table.subscriberId, table.at)],
);

export * from './schema-suppressions.ts';
export * from './schema-webhooks.ts';
export * from './schema-sends.ts';
