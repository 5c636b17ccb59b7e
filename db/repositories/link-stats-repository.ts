import { and, isNull, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { links } from '../schema.ts';

/** What is left to do on the inbox's links before they make an edition. */
export type InboxWork = { total: number; noCommentary: number; noCategory: number; fetchFailed: number; needsWork: number };

/** SQL that counts links for the dashboard, in one pass over the inbox's (small, indexed) rows. */
export function createLinkStatsRepository(db: Database) {
  return {
    /** The inbox's top-level links, and how many lack a commentary, a category, or a page that could be fetched. */
    async inboxWork(tx: DbOrTx = db): Promise<InboxWork> {
      const [row] = await tx
        .select({
          total: sql<number>`count(*)::int`,
          noCommentary: sql<number>`count(*) filter (where btrim(${links.commentary}) = '')::int`,
          noCategory: sql<number>`count(*) filter (where ${links.categoryId} is null)::int`,
          fetchFailed: sql<number>`count(*) filter (where ${links.fetchStatus} = 'failed')::int`,
          needsWork: sql<number>`count(*) filter (where ${links.categoryId} is null or ${links.commentary} = '')::int`,
        })
        .from(links)
        .where(and(isNull(links.editionId), isNull(links.deletedAt), isNull(links.parentId)));
      return row ?? { total: 0, noCommentary: 0, noCategory: 0, fetchFailed: 0, needsWork: 0 };
    },
  };
}

export type LinkStatsRepository = ReturnType<typeof createLinkStatsRepository>;
