import { and, count, desc, eq, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { editionPaths, editions, links, settings, type StoredBlock } from '../schema.ts';
import { searchTsquery } from './search-query.ts';

// The links of an edition a search result shows, best first.
const MATCHES_SHOWN = 5;

export type EditionRow = typeof editions.$inferSelect;
export type { StoredBlock };

export type EditionPatch = Partial<{
  title: string;
  slug: string;
  tags: string[];
  intro: string;
  outro: string;
  blocks: StoredBlock[];
  status: 'draft' | 'scheduled' | 'published';
  scheduledAt: Date | null;
  publishedAt: Date | null;
  correctedAt: Date | null;
}>;

/** SQL for editions. */
export function createEditionsRepository(db: Database) {
  return {
    async insert(values: { period: string; title: string; slug: string } & EditionPatch, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      // Two instances creating this month's draft at once: one wins, the other finds it.
      const [row] = await tx.insert(editions).values(values).onConflictDoNothing({ target: editions.period }).returning();
      return row;
    },

    async findById(id: string, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(editions).where(eq(editions.id, id));
      return row;
    },

    /** The row, locked until the transaction ends: the writes of an edition's blocks then come one after the other. */
    async lockById(id: string, tx: DbOrTx): Promise<EditionRow | undefined> {
      const [row] = await tx.select().from(editions).where(eq(editions.id, id)).for('update');
      return row;
    },

    async findByPeriod(period: string, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const [row] = await tx.select().from(editions).where(eq(editions.period, period));
      return row;
    },

    async findBySlug(slug: string, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const [row] = await tx.select().from(editions).where(eq(editions.slug, slug));
      return row;
    },

    async slugTaken(slug: string, exceptId: string | undefined, tx: DbOrTx = db): Promise<boolean> {
      const [row] = await tx
        .select({ id: editions.id })
        .from(editions)
        .where(and(eq(editions.slug, slug), exceptId ? sql`${editions.id} <> ${exceptId}` : undefined));
      return Boolean(row);
    },

    /** Every edition, newest period first, with how many links each holds. */
    async listAll(tx: DbOrTx = db): Promise<Array<EditionRow & { linkCount: number }>> {
      const rows = await tx
        // Qualified by hand: drizzle leaves columns of a single-table select unqualified, and a bare
        // "id" inside this subquery would be the link's own id.
        .select({
          edition: editions,
          linkCount: sql<number>`(select count(*)::int from links where links.edition_id = editions.id and links.deleted_at is null)`,
        })
        .from(editions)
        .orderBy(desc(editions.period));
      return rows.map((row) => ({ ...row.edition, linkCount: row.linkCount }));
    },

    /** How many links (not deleted) an edition holds. */
    async linkCount(id: string, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<{ count: number }>(sql`select count(*)::int as count from links where edition_id = ${id} and deleted_at is null`);
      return result.rows[0]?.count ?? 0;
    },

    /** Published editions, newest first, optionally of one year or carrying one tag. */
    async listPublished(
      filter: { year?: number; tag?: string; limit: number; offset: number },
      tx: DbOrTx = db,
    ): Promise<{ rows: EditionRow[]; total: number }> {
      const conditions: SQL[] = [eq(editions.status, 'published')];
      if (filter.year) conditions.push(sql`${editions.period} like ${`${filter.year}-%`}`);
      if (filter.tag) conditions.push(sql`${editions.tags} @> array[${filter.tag}]::text[]`);
      const where = and(...conditions);
      const [rows, [total]] = await Promise.all([
        tx.select().from(editions).where(where).orderBy(desc(editions.publishedAt), desc(editions.period)).limit(filter.limit).offset(filter.offset),
        tx.select({ value: count() }).from(editions).where(where),
      ]);
      return { rows, total: total?.value ?? 0 };
    },

    /** Years that have published editions, with their counts, newest first. */
    async publishedYears(tx: DbOrTx = db): Promise<Array<{ year: number; count: number }>> {
      const result = await tx.execute<{ year: number; count: number }>(sql`
        SELECT substr(period, 1, 4)::int AS year, count(*)::int AS count FROM editions
        WHERE status = 'published' GROUP BY 1 ORDER BY 1 DESC`);
      return result.rows;
    },

    /** Tags of published editions with their counts. */
    async publishedTags(tx: DbOrTx = db): Promise<Array<{ tag: string; count: number }>> {
      const result = await tx.execute<{ tag: string; count: number }>(sql`
        SELECT tag, count(*)::int AS count FROM editions, unnest(tags) AS tag
        WHERE status = 'published' GROUP BY tag ORDER BY count DESC, tag`);
      return result.rows;
    },

    /**
     * Published editions matching a reader's search, in their text or in their links, best first,
     * each with its best matching links (their ids anchor the results to the edition's page).
     */
    async searchPublished(
      q: string,
      limit: number,
      tx: DbOrTx = db,
    ): Promise<Array<EditionRow & { rank: number; matches: Array<{ id: string; title: string; url: string }> }>> {
      const tsquery = searchTsquery(q);
      if (!tsquery) return [];
      // The edition's own words, stemmed and as written (prefixes of either match), accents folded.
      const editionText = sql.raw(`e.title || ' ' || e.intro || ' ' || e.outro || ' ' || array_to_string(e.tags, ' ') || ' ' || e.block_text`);
      const editionVector = sql`(to_tsvector('veille_fr', ${editionText}) || to_tsvector('veille_simple', ${editionText}))`;
      const result = await tx.execute<{ id: string; rank: number; matches: Array<{ id: string; title: string; url: string }> | null }>(sql`
        WITH query AS (SELECT ${tsquery} AS tsq),
        link_hits AS (
          SELECT l.edition_id, max(ts_rank_cd(l.search, query.tsq)) AS rank,
                 to_json((array_agg(json_build_object('id', l.id, 'title', coalesce(l.title, l.url), 'url', l.url) ORDER BY ts_rank_cd(l.search, query.tsq) DESC))[1:${MATCHES_SHOWN}]) AS matches
          FROM links l JOIN editions pe ON pe.id = l.edition_id AND pe.status = 'published', query
          WHERE l.search @@ query.tsq AND l.deleted_at IS NULL
          GROUP BY l.edition_id
        ),
        edition_hits AS (
          SELECT e.id, ts_rank_cd(${editionVector}, query.tsq) * 2 AS rank
          FROM (
            SELECT editions.*, coalesce((
              SELECT string_agg(concat_ws(' ', b->>'heading', b->>'body', b->>'intro', b->>'outro'), ' ') FROM jsonb_array_elements(editions.blocks) AS b
            ), '') AS block_text
            FROM editions WHERE status = 'published'
          ) e, query
          WHERE ${editionVector} @@ query.tsq
        )
        SELECT e.id, coalesce(eh.rank, 0) + coalesce(lh.rank, 0) AS rank, lh.matches
        FROM editions e
        LEFT JOIN link_hits lh ON lh.edition_id = e.id
        LEFT JOIN edition_hits eh ON eh.id = e.id
        WHERE e.status = 'published' AND (lh.edition_id IS NOT NULL OR eh.id IS NOT NULL)
        ORDER BY rank DESC, e.published_at DESC
        LIMIT ${limit}`);
      const found = new Map(result.rows.map((row) => [row.id, row]));
      if (found.size === 0) return [];
      const rows = await tx
        .select()
        .from(editions)
        .where(sql`${editions.id} = any(${`{${[...found.keys()].join(',')}}`}::uuid[])`);
      // In the order of the ranked query (ties: the most recent edition first).
      const order = [...found.keys()];
      return rows
        .map((row) => ({ ...row, rank: Number(found.get(row.id)!.rank), matches: found.get(row.id)!.matches ?? [] }))
        .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    },

    /**
     * Applies a change only if nobody saved in between (the version the editor started from is
     * still the current one); bumps the version. Undefined when the version was stale.
     */
    async updateIfVersion(id: string, version: number, patch: EditionPatch, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const [row] = await tx
        .update(editions)
        .set({ ...patch, version: sql`${editions.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(editions.id, id), eq(editions.version, version)))
        .returning();
      return row;
    },

    async update(id: string, patch: EditionPatch, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const [row] = await tx
        .update(editions)
        .set({ ...patch, version: sql`${editions.version} + 1`, updatedAt: sql`now()` })
        .where(eq(editions.id, id))
        .returning();
      return row;
    },

    /** Sets the edition's blocks without a new version: the blocks the links it was given call for, not an editor's change. */
    async setBlocks(id: string, blocks: StoredBlock[], tx: DbOrTx = db): Promise<void> {
      await tx
        .update(editions)
        .set({ blocks, updatedAt: sql`now()` })
        .where(eq(editions.id, id));
    },

    /** Keeps a path the edition answered at (its slug changed): it redirects there from now on. */
    async keepPath(editionId: string, path: string, tx: DbOrTx = db): Promise<void> {
      await tx
        .insert(editionPaths)
        .values({ path, editionId })
        .onConflictDoUpdate({ target: editionPaths.path, set: { editionId, createdAt: sql`now()` } });
    },

    /** The edition that answered at a path before its slug changed. */
    async findByEarlierPath(path: string, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const [row] = await tx
        .select({ edition: editions })
        .from(editionPaths)
        .innerJoin(editions, eq(editions.id, editionPaths.editionId))
        .where(eq(editionPaths.path, path));
      return row?.edition;
    },

    /** The paths an edition answered at before, oldest first. */
    async earlierPaths(editionId: string, tx: DbOrTx = db): Promise<string[]> {
      const rows = await tx
        .select({ path: editionPaths.path })
        .from(editionPaths)
        .where(eq(editionPaths.editionId, editionId))
        .orderBy(editionPaths.createdAt, editionPaths.path);
      return rows.map((row) => row.path);
    },

    /**
     * Publishes the scheduled editions whose time has come, in one statement: with several
     * instances ticking together, each edition is returned to exactly one of them.
     */
    async publishDue(now: Date, tx: DbOrTx = db): Promise<EditionRow[]> {
      return tx
        .update(editions)
        .set({
          status: 'published',
          publishedAt: sql`coalesce(${editions.publishedAt}, ${editions.scheduledAt})`,
          scheduledAt: null,
          version: sql`${editions.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(and(eq(editions.status, 'scheduled'), lte(editions.scheduledAt, now)))
        .returning();
    },

    async delete(id: string, tx: DbOrTx = db): Promise<boolean> {
      const deleted = await tx.delete(editions).where(eq(editions.id, id)).returning({ id: editions.id });
      return deleted.length > 0;
    },

    /** The freshness of what a public page shows: the edition's last change and the settings'. */
    async publicStamp(slug: string, tx: DbOrTx = db): Promise<{ id: string; updatedAt: Date; status: string; settingsAt: Date | null } | undefined> {
      const [row] = await tx
        .select({
          id: editions.id,
          updatedAt: editions.updatedAt,
          status: editions.status,
          settingsAt: sql<Date | null>`(select max(${settings.updatedAt}) from ${settings})`,
        })
        .from(editions)
        .where(eq(editions.slug, slug));
      if (!row) return undefined;
      return { ...row, settingsAt: row.settingsAt ? new Date(row.settingsAt) : null };
    },

    /** The last change to anything the archive pages show. */
    async archiveStamp(tx: DbOrTx = db): Promise<Date> {
      const result = await tx.execute<{ at: string | null }>(sql`
        SELECT greatest((SELECT max(updated_at) FROM editions), (SELECT max(updated_at) FROM settings)) AS at`);
      return new Date(result.rows[0]?.at ?? 0);
    },

    /** Links of the inbox (not in an edition yet), for the draft's "proposed" list. */
    async countInbox(tx: DbOrTx = db): Promise<number> {
      const [row] = await tx
        .select({ value: count() })
        .from(links)
        .where(and(isNull(links.editionId), isNull(links.deletedAt), isNull(links.parentId)));
      return row?.value ?? 0;
    },
  };
}

export type EditionsRepository = ReturnType<typeof createEditionsRepository>;
