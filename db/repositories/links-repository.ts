import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { categories, editions, links, users } from '../schema.ts';
import { preparedQuery } from './prepared.ts';
import { searchTsquery } from './search-query.ts';

export type { Link, LinkEditionRef, LinkInsert, LinkPatch, LinkQuery, LinkScope } from './link-types.ts';
import type { Link, LinkEditionRef, LinkInsert, LinkPatch, LinkQuery, LinkScope } from './link-types.ts';

// Highlight markers that cannot appear in text typed by editors; replaced by <mark> after escaping.
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

const { search: _search, ...linkColumns } = getTableColumns(links);

// Cursors carry JavaScript dates (milliseconds) while PostgreSQL keeps microseconds: the newest-first
// order compares creation times at millisecond precision, or a cursor would skip the links that share
// its millisecond (all the links one transaction inserts share one now()).
const createdAtMs = sql`date_trunc('milliseconds', ${links.createdAt})`;

// The orders of LinkQuery: newest first; category by category; or so with the inbox's "To sort" (no category, or an archived one) first.
const toSortFirst = sql`(${categories.id} is null or ${categories.archivedAt} is not null) desc`;
const positionOrder = [sql`${categories.position} asc nulls last`, asc(links.position), asc(links.createdAt)];
const ORDERS = { recent: [desc(createdAtMs), desc(links.id)], position: positionOrder };
const inboxGroupsOrder = [toSortFirst, ...positionOrder];

const selection = {
  ...linkColumns,
  categoryName: categories.name,
  createdByName: users.name,
  editionRef: {
    id: editions.id,
    period: editions.period,
    title: editions.title,
    slug: editions.slug,
    status: editions.status,
    publishedAt: editions.publishedAt,
  },
};

type Row = Omit<Link, 'edition' | 'headline'> & {
  editionRef: LinkEditionRef | { [K in keyof LinkEditionRef]: null } | null;
  headlineTitle?: string;
  headlineCommentary?: string;
};

function toLink(row: Row): Link {
  const { editionRef, headlineTitle, headlineCommentary, ...rest } = row;
  const link: Link = { ...rest, edition: editionRef && editionRef.id ? (editionRef as LinkEditionRef) : null };
  if (headlineTitle !== undefined) link.headline = { title: headlineTitle, commentary: headlineCommentary ?? '' };
  return link;
}

/** SQL for links: capture, ordering, search, metadata. */
export function createLinksRepository(db: Database) {
  function base(tx: DbOrTx, extra: Record<string, SQL.Aliased | SQL> = {}) {
    return tx
      .select({ ...selection, ...extra })
      .from(links)
      .leftJoin(categories, eq(categories.id, links.categoryId))
      .leftJoin(users, eq(users.id, links.createdBy))
      .leftJoin(editions, eq(editions.id, links.editionId));
  }

  function scopeCondition(scope: LinkScope): SQL | undefined {
    switch (scope) {
      case 'inbox':
        return isNull(links.editionId);
      case 'needs_work':
        return and(isNull(links.editionId), or(isNull(links.categoryId), eq(links.commentary, '')));
      case 'fetch_failed':
        return and(isNull(links.editionId), eq(links.fetchStatus, 'failed'));
      case 'in_edition':
        return and(isNotNull(links.editionId), sql`${editions.status} <> 'published'`);
      case 'published':
        return eq(editions.status, 'published');
      case 'all':
        return undefined;
    }
  }

  // The inbox page's reads, on every load of the editors' busiest screen: built once, planned once per connection.
  const inboxOnly = () => and(isNull(links.editionId), isNull(links.deletedAt), isNull(links.parentId));
  const inboxFirstRows = preparedQuery(db, 'links_inbox_first_rows', (tx) =>
    base(tx)
      .where(inboxOnly())
      .orderBy(...inboxGroupsOrder)
      .limit(sql.placeholder('limit')),
  );
  const inboxCountRows = preparedQuery(db, 'links_inbox_counts', (tx) =>
    tx
      .select({
        categoryId: links.categoryId,
        count: sql<number>`count(*)::int`,
        needsWork: sql<number>`count(*) filter (where ${links.categoryId} is null or ${links.commentary} = '')::int`,
      })
      .from(links)
      .where(inboxOnly())
      .groupBy(links.categoryId),
  );
  const children = preparedQuery(db, 'links_children', (tx) =>
    base(tx)
      .where(and(sql`${links.parentId} = any(${sql.placeholder('parentIds')}::uuid[])`, isNull(links.deletedAt)))
      .orderBy(asc(links.position), asc(links.createdAt)),
  );

  return {
    async insert(values: LinkInsert, tx: DbOrTx = db): Promise<string> {
      const [row] = await tx.insert(links).values(values).returning({ id: links.id });
      return row!.id;
    },

    /** Inserts many links in one statement; ids come back in the order of `values`. */
    async insertMany(values: LinkInsert[], tx: DbOrTx = db): Promise<string[]> {
      if (values.length === 0) return [];
      const rows = await tx.insert(links).values(values).returning({ id: links.id });
      return rows.map((row) => row.id);
    },

    /** For each normalised URL already known (not deleted): the most recent link and its edition. */
    async findByNormalizedUrls(
      normalizedUrls: string[],
      tx: DbOrTx = db,
    ): Promise<Array<{ normalizedUrl: string; title: string | null; period: string | null; editionTitle: string | null }>> {
      if (normalizedUrls.length === 0) return [];
      const result = await tx.execute<{ normalized_url: string; title: string | null; period: string | null; edition_title: string | null }>(sql`
        SELECT DISTINCT ON (l.normalized_url) l.normalized_url, l.title, e.period, e.title AS edition_title
        FROM links l LEFT JOIN editions e ON e.id = l.edition_id
        WHERE l.normalized_url = ANY(${sql.param(normalizedUrls)}::text[]) AND l.deleted_at IS NULL
        ORDER BY l.normalized_url, l.created_at DESC`);
      return result.rows.map((row) => ({ normalizedUrl: row.normalized_url, title: row.title, period: row.period, editionTitle: row.edition_title }));
    },

    async findById(id: string, options: { includeDeleted?: boolean } = {}, tx: DbOrTx = db): Promise<Link | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await base(tx).where(and(eq(links.id, id), options.includeDeleted ? undefined : isNull(links.deletedAt)));
      return row ? toLink(row as Row) : undefined;
    },

    async findByIds(ids: string[], tx: DbOrTx = db): Promise<Link[]> {
      if (ids.length === 0) return [];
      const rows = await base(tx).where(and(inArray(links.id, ids), isNull(links.deletedAt)));
      return rows.map((row) => toLink(row as Row));
    },

    /** The inbox's first `limit` links as its page draws them: "To sort" first, then category by category, each in its order. */
    async inboxFirstRows(limit: number, tx: DbOrTx = db): Promise<Link[]> {
      return (await inboxFirstRows(tx).execute({ limit })).map((row) => toLink(row as Row));
    },

    /** Top-level links matching a query, with their category, author and edition. */
    async list(query: LinkQuery, tx: DbOrTx = db): Promise<Link[]> {
      const conditions: Array<SQL | undefined> = [isNull(links.deletedAt), isNull(links.parentId), scopeCondition(query.scope)];
      if (query.categoryId === null) conditions.push(isNull(links.categoryId));
      else if (query.categoryId) conditions.push(eq(links.categoryId, query.categoryId));
      if (query.editionId) conditions.push(eq(links.editionId, query.editionId));
      if (query.tag) conditions.push(sql`${links.tags} @> array[${query.tag}]::text[]`);
      const extra: Record<string, SQL.Aliased> = {};
      const tsquery = query.q ? searchTsquery(query.q) : undefined;
      // A search with no word in it ("?!") finds nothing rather than everything.
      if (query.q && !tsquery) conditions.push(sql`false`);
      if (tsquery) {
        conditions.push(sql`${links.search} @@ ${tsquery}`);
        const options = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
        extra.headlineTitle = sql<string>`ts_headline('veille_fr', coalesce(${links.title}, ${links.url}), ${tsquery}, ${options})`.as('headline_title');
        extra.headlineCommentary =
          sql<string>`ts_headline('veille_fr', ${links.commentary}, ${tsquery}, ${`StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=40, MinWords=15`})`.as(
            'headline_commentary',
          );
      }
      if (query.before) {
        const at = sql`${query.before.createdAt.toISOString()}::timestamptz`;
        conditions.push(sql`(${createdAtMs} < ${at} or (${createdAtMs} = ${at} and ${links.id} < ${query.before.id}))`);
      }
      const ordered = base(tx, extra)
        .where(and(...conditions))
        .orderBy(
          ...(query.order === 'rank' && tsquery
            ? // The id settles ties, so offset pages of equally ranked links neither repeat nor skip any.
              [desc(sql`ts_rank_cd(${links.search}, ${tsquery})`), desc(links.createdAt), desc(links.id)]
            : ORDERS[query.order === 'rank' ? 'position' : query.order]),
        )
        .limit(query.limit)
        .offset(query.offset ?? 0);
      return (await ordered).map((row) => toLink(row as Row));
    },

    /** Every link that is not deleted (nested items too), in position order: what an export reads, in one query. */
    async listAllForExport(tx: DbOrTx = db): Promise<Link[]> {
      const rows = await base(tx).where(isNull(links.deletedAt)).orderBy(asc(links.position), asc(links.createdAt), asc(links.id));
      return rows.map((row) => toLink(row as Row));
    },

    async childrenOf(parentIds: string[], tx: DbOrTx = db): Promise<Link[]> {
      if (parentIds.length === 0) return [];
      const rows = await children(tx).execute({ parentIds: `{${parentIds.join(',')}}` });
      return rows.map((row) => toLink(row as Row));
    },

    /** Inbox counts per category (null: uncategorised), and how many need work. */
    async inboxCounts(tx: DbOrTx = db): Promise<{ byCategory: Array<{ categoryId: string | null; count: number }>; needsWork: number; total: number }> {
      const rows = await inboxCountRows(tx).execute();
      return {
        byCategory: rows.map(({ categoryId, count }) => ({ categoryId, count })),
        needsWork: rows.reduce((sum, row) => sum + row.needsWork, 0),
        total: rows.reduce((sum, row) => sum + row.count, 0),
      };
    },

    /** Other links with the same normalised URL, newest first. */
    async findDuplicates(normalizedUrl: string, excludeId: string | undefined, tx: DbOrTx = db): Promise<Link[]> {
      const rows = await base(tx)
        .where(and(eq(links.normalizedUrl, normalizedUrl), isNull(links.deletedAt), excludeId ? sql`${links.id} <> ${excludeId}` : undefined))
        .orderBy(desc(links.createdAt))
        .limit(10);
      return rows.map((row) => toLink(row as Row));
    },

    async update(id: string, patch: LinkPatch, tx: DbOrTx = db): Promise<boolean> {
      const updated = await tx
        .update(links)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(links.id, id), isNull(links.deletedAt)))
        .returning({ id: links.id });
      return updated.length > 0;
    },

    async updateMany(ids: string[], patch: LinkPatch, tx: DbOrTx = db): Promise<number> {
      if (ids.length === 0) return 0;
      const updated = await tx
        .update(links)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(inArray(links.id, ids), isNull(links.deletedAt)))
        .returning({ id: links.id });
      return updated.length;
    },

    /** Adds tags to several links, keeping each tag once. */
    async addTags(ids: string[], tags: string[], tx: DbOrTx = db): Promise<number> {
      if (ids.length === 0 || tags.length === 0) return 0;
      const updated = await tx
        .update(links)
        .set({
          tags: sql`(select coalesce(array_agg(distinct tag order by tag), '{}') from unnest(${links.tags} || ${sql`array[${sql.join(
            tags.map((tag) => sql`${tag}`),
            sql`, `,
          )}]::text[]`}) as tag)`,
          updatedAt: sql`now()`,
        })
        .where(and(inArray(links.id, ids), isNull(links.deletedAt)))
        .returning({ id: links.id });
      return updated.length;
    },

    /** Writes fetched metadata, leaving alone every field the editor changed by hand. */
    async applyMetadata(
      id: string,
      metadata: { title: string | null; description: string | null; siteName: string | null; canonicalUrl: string | null; language: string | null },
      at: Date,
      tx: DbOrTx = db,
    ): Promise<void> {
      const keep = (field: string, column: SQL | typeof links.title, value: string | null) =>
        sql`case when ${field} = any(${links.editedFields}) then ${column} else coalesce(${value}, ${column}) end`;
      await tx
        .update(links)
        .set({
          title: keep('title', sql`${links.title}`, metadata.title),
          description: keep('description', sql`${links.description}`, metadata.description),
          siteName: keep('siteName', sql`${links.siteName}`, metadata.siteName),
          canonicalUrl: keep('canonicalUrl', sql`${links.canonicalUrl}`, metadata.canonicalUrl),
          language: keep('language', sql`${links.language}`, metadata.language),
          fetchStatus: 'ok',
          fetchError: null,
          fetchedAt: at,
        })
        .where(eq(links.id, id));
    },

    async markFetchFailed(id: string, reason: string, at: Date, tx: DbOrTx = db): Promise<void> {
      await tx.update(links).set({ fetchStatus: 'failed', fetchError: reason, fetchedAt: at }).where(eq(links.id, id));
    },

    /** Positions of the two links a moved link lands between (undefined when at an end of the list). */
    async positionsOf(ids: string[], tx: DbOrTx = db): Promise<Map<string, number>> {
      if (ids.length === 0) return new Map();
      const rows = await tx.select({ id: links.id, position: links.position }).from(links).where(inArray(links.id, ids));
      return new Map(rows.map((row) => [row.id, row.position]));
    },

    /** The position after the last link of a group (edition or inbox, category, parent), or before the first one. */
    async endPosition(
      group: { editionId: string | null; categoryId: string | null; parentId?: string | null },
      end: 'last' | 'first' = 'last',
      tx: DbOrTx = db,
    ): Promise<number> {
      const [row] = await tx
        .select({ value: end === 'last' ? sql<number | null>`max(${links.position})` : sql<number | null>`min(${links.position})` })
        .from(links)
        .where(
          and(
            group.editionId ? eq(links.editionId, group.editionId) : isNull(links.editionId),
            group.parentId
              ? eq(links.parentId, group.parentId)
              : and(isNull(links.parentId), group.categoryId ? eq(links.categoryId, group.categoryId) : isNull(links.categoryId)),
            isNull(links.deletedAt),
          ),
        );
      return end === 'last' ? (row?.value ?? 0) + 1 : (row?.value ?? 0) - 1;
    },

    async softDelete(ids: string[], at: Date, tx: DbOrTx = db): Promise<number> {
      if (ids.length === 0) return 0;
      const deleted = await tx
        .update(links)
        .set({ deletedAt: at })
        .where(and(inArray(links.id, ids), isNull(links.deletedAt)))
        .returning({ id: links.id });
      return deleted.length;
    },

    async restore(ids: string[], tx: DbOrTx = db): Promise<number> {
      if (ids.length === 0) return 0;
      const restored = await tx
        .update(links)
        .set({ deletedAt: null })
        .where(and(inArray(links.id, ids), isNotNull(links.deletedAt)))
        .returning({ id: links.id });
      return restored.length;
    },

    /** Restores the nested items of a link that were deleted in the same operation as it. */
    async restoreChildrenDeletedAt(parentId: string, deletedAt: Date, tx: DbOrTx = db): Promise<number> {
      const restored = await tx
        .update(links)
        .set({ deletedAt: null })
        .where(and(eq(links.parentId, parentId), eq(links.deletedAt, deletedAt)))
        .returning({ id: links.id });
      return restored.length;
    },

    async purgeDeleted(before: Date, tx: DbOrTx = db): Promise<number> {
      const purged = await tx.delete(links).where(lt(links.deletedAt, before)).returning({ id: links.id });
      return purged.length;
    },

    /** Tags used by the links in the inbox, most used first (the inbox's tag filter). */
    async inboxTagCounts(limit = 200, tx: DbOrTx = db): Promise<Array<{ tag: string; count: number }>> {
      const result = await tx.execute<{ tag: string; count: number }>(sql`
        SELECT tag, count(*)::int AS count FROM links, unnest(tags) AS tag
        WHERE edition_id IS NULL AND deleted_at IS NULL GROUP BY tag ORDER BY count DESC, tag LIMIT ${limit}`);
      return result.rows;
    },
  };
}

export type LinksRepository = ReturnType<typeof createLinksRepository>;
