import { eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { clickWindow, linkClicks } from '../link-stats-schema.ts';
import { links } from '../schema.ts';

/** A link a click address may name: an edition of that period and a link whose id starts with the address's prefix. */
export type ClickCandidate = { editionId: string; linkId: string; url: string; sentAt: Date | null };

/** A remembered click of a visitor (see click_window in link-stats-schema.ts). */
export type WindowRow = { id: number; linkId: string; at: Date; countedHour: Date | null; scanner: boolean };

/** Clicks of one link of an edition. */
export type LinkClickTotal = { linkId: string; url: string; title: string | null; clicks: number };

/** A link readers followed, across editions, with its edition's delivered copies. */
export type TopLinkRow = {
  linkId: string;
  url: string;
  title: string | null;
  editionId: string;
  period: string;
  editionTitle: string;
  clicks: number;
  delivered: number;
};

// Copies of an edition that reached a reader's server.
const delivered = (editionId: SQL) =>
  sql<number>`(select count(*)::int from deliveries d join sends s on s.id = d.send_id where s.edition_id = ${editionId} and d.status = 'sent')`;

/** SQL for click counters and the short-lived click window. */
export function createClicksRepository(db: Database) {
  return {
    /** The links a click address may name: same period, id starting with the prefix (8 hex digits). */
    async candidates(period: string, linkPrefix: string, tx: DbOrTx = db): Promise<ClickCandidate[]> {
      if (!/^[0-9a-f]{8}$/.test(linkPrefix)) return [];
      const low = `${linkPrefix}-0000-0000-0000-000000000000`;
      const high = `${linkPrefix}-ffff-ffff-ffff-ffffffffffff`;
      const result = await tx.execute<{ edition_id: string; link_id: string; url: string; sent_at: Date | null }>(sql`
        SELECT e.id AS edition_id, l.id AS link_id, l.url, s.created_at AS sent_at
        FROM editions e
        JOIN links l ON l.id BETWEEN ${low}::uuid AND ${high}::uuid
        LEFT JOIN sends s ON s.edition_id = e.id
        WHERE e.period = ${period}`);
      return result.rows.map((row) => ({
        editionId: row.edition_id,
        linkId: row.link_id,
        url: row.url,
        sentAt: row.sent_at ? new Date(row.sent_at) : null,
      }));
    },

    /** Serialises the clicks of one visitor until the transaction ends: a burst is judged one click at a time. */
    async lockVisitor(visitor: string, tx: DbOrTx): Promise<void> {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`veille:click:${visitor}`}))`);
    },

    /** Forgets every remembered click older than `before`; how many. */
    async forget(before: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx.delete(clickWindow).where(lt(clickWindow.at, before)).returning({ id: clickWindow.id });
      return deleted.length;
    },

    /** The visitor's remembered clicks. */
    async window(visitor: string, tx: DbOrTx = db): Promise<WindowRow[]> {
      return tx
        .select({ id: clickWindow.id, linkId: clickWindow.linkId, at: clickWindow.at, countedHour: clickWindow.countedHour, scanner: clickWindow.scanner })
        .from(clickWindow)
        .where(eq(clickWindow.visitor, visitor));
    },

    async remember(row: { visitor: string; linkId: string; at: Date; countedHour: Date | null; scanner: boolean }, tx: DbOrTx = db): Promise<void> {
      await tx.insert(clickWindow).values(row);
    },

    /** Marks all the visitor's remembered clicks as a scanner's, none of them counted. */
    async markScanner(visitor: string, tx: DbOrTx = db): Promise<void> {
      await tx.update(clickWindow).set({ scanner: true, countedHour: null }).where(eq(clickWindow.visitor, visitor));
    },

    /** Adds `delta` clicks to a link's counter for an hour (never below zero). */
    async add(counter: { editionId: string; linkId: string; hour: Date; delta: number }, tx: DbOrTx = db): Promise<void> {
      await tx
        .insert(linkClicks)
        .values({ editionId: counter.editionId, linkId: counter.linkId, hour: counter.hour, clicks: Math.max(0, counter.delta) })
        .onConflictDoUpdate({
          target: [linkClicks.editionId, linkClicks.linkId, linkClicks.hour],
          set: { clicks: sql`greatest(0, ${linkClicks.clicks} + ${counter.delta})` },
        });
    },

    /** How many links (nested ones too, not deleted) an edition holds. */
    async linksInEdition(editionId: string, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM links WHERE edition_id = ${editionId} AND deleted_at IS NULL`);
      return result.rows[0]?.count ?? 0;
    },

    /** Clicks per link of an edition, with the link's current address and title. */
    async totals(editionId: string, tx: DbOrTx = db): Promise<LinkClickTotal[]> {
      return tx
        .select({ linkId: linkClicks.linkId, url: links.url, title: links.title, clicks: sql<number>`sum(${linkClicks.clicks})::int` })
        .from(linkClicks)
        .innerJoin(links, eq(links.id, linkClicks.linkId))
        .where(eq(linkClicks.editionId, editionId))
        .groupBy(linkClicks.linkId, links.url, links.title);
    },

    /** Clicks of an edition per hour, oldest first. */
    async hourly(editionId: string, tx: DbOrTx = db): Promise<Array<{ hour: Date; clicks: number }>> {
      return tx
        .select({ hour: linkClicks.hour, clicks: sql<number>`sum(${linkClicks.clicks})::int` })
        .from(linkClicks)
        .where(eq(linkClicks.editionId, editionId))
        .groupBy(linkClicks.hour)
        .orderBy(linkClicks.hour);
    },

    /** Copies of the edition's email that reached a reader's server. */
    async delivered(editionId: string, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute<{ count: number }>(sql`SELECT ${delivered(sql`${editionId}::uuid`)} AS count`);
      return result.rows[0]?.count ?? 0;
    },

    /** The links followed most, across editions. */
    async top(limit: number, tx: DbOrTx = db): Promise<TopLinkRow[]> {
      const result = await tx.execute<{
        link_id: string;
        url: string;
        title: string | null;
        edition_id: string;
        period: string;
        edition_title: string;
        clicks: number;
        delivered: number;
      }>(sql`
        SELECT c.link_id, l.url, l.title, e.id AS edition_id, e.period, e.title AS edition_title, c.clicks, ${delivered(sql`e.id`)} AS delivered
        FROM (SELECT edition_id, link_id, sum(clicks)::int AS clicks FROM link_clicks GROUP BY edition_id, link_id HAVING sum(clicks) > 0) c
        JOIN links l ON l.id = c.link_id
        JOIN editions e ON e.id = c.edition_id
        ORDER BY c.clicks DESC, e.period DESC, l.url
        LIMIT ${limit}`);
      return result.rows.map((row) => ({
        linkId: row.link_id,
        url: row.url,
        title: row.title,
        editionId: row.edition_id,
        period: row.period,
        editionTitle: row.edition_title,
        clicks: row.clicks,
        delivered: row.delivered,
      }));
    },

    /** When the edition's send started, if it has one. */
    async sentAt(editionId: string, tx: DbOrTx = db): Promise<Date | undefined> {
      const result = await tx.execute<{ created_at: Date }>(sql`SELECT created_at FROM sends WHERE edition_id = ${editionId}`);
      const row = result.rows[0];
      return row ? new Date(row.created_at) : undefined;
    },

    /** The edition of the newest send, if any. */
    async lastSentEdition(tx: DbOrTx = db): Promise<{ editionId: string; sentAt: Date } | undefined> {
      const result = await tx.execute<{ edition_id: string; created_at: Date }>(sql`SELECT edition_id, created_at FROM sends ORDER BY created_at DESC LIMIT 1`);
      const row = result.rows[0];
      return row ? { editionId: row.edition_id, sentAt: new Date(row.created_at) } : undefined;
    },
  };
}

export type ClicksRepository = ReturnType<typeof createClicksRepository>;
