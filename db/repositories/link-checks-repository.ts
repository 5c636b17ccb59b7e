import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { linkChecks, links } from '../schema.ts';

/** One link of an edition's last check, with the link's current title. */
export type LinkCheckRow = {
  runId: string;
  linkId: string;
  title: string | null;
  url: string;
  /** null: not checked yet. */
  ok: boolean | null;
  reason: string | null;
  startedAt: Date;
  checkedAt: Date | null;
};

/** SQL for the checks of an edition's links before sending. */
export function createLinkChecksRepository(db: Database) {
  return {
    /**
     * Replaces the edition's check with a new run: one unchecked row per link. Runs of one edition
     * started at the same moment wait for each other, so the rows always belong to one run.
     */
    async replaceRun(run: { editionId: string; runId: string; startedAt: Date; links: Array<{ linkId: string; url: string }> }, tx: DbOrTx): Promise<void> {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`veille:link-check:${run.editionId}`}))`);
      await tx.delete(linkChecks).where(eq(linkChecks.editionId, run.editionId));
      if (run.links.length === 0) return;
      await tx
        .insert(linkChecks)
        .values(run.links.map((link) => ({ runId: run.runId, editionId: run.editionId, linkId: link.linkId, url: link.url, startedAt: run.startedAt })));
    },

    /** The rows of the edition's current run. */
    async forEdition(editionId: string, tx: DbOrTx = db): Promise<LinkCheckRow[]> {
      return tx
        .select({
          runId: linkChecks.runId,
          linkId: linkChecks.linkId,
          title: links.title,
          url: linkChecks.url,
          ok: linkChecks.ok,
          reason: linkChecks.reason,
          startedAt: linkChecks.startedAt,
          checkedAt: linkChecks.checkedAt,
        })
        .from(linkChecks)
        .innerJoin(links, eq(links.id, linkChecks.linkId))
        .where(eq(linkChecks.editionId, editionId))
        .orderBy(asc(links.position), asc(linkChecks.url));
    },

    /** The distinct URLs of a run that have no result yet. */
    async pendingUrls(runId: string, tx: DbOrTx = db): Promise<string[]> {
      const rows = await tx
        .selectDistinct({ url: linkChecks.url })
        .from(linkChecks)
        .where(and(eq(linkChecks.runId, runId), isNull(linkChecks.checkedAt)))
        .orderBy(asc(linkChecks.url));
      return rows.map((row) => row.url);
    },

    /** Records the result for every link of the run with this URL; 0 when the run was replaced meanwhile. */
    async record(result: { runId: string; url: string; ok: boolean; reason: string | null; at: Date }, tx: DbOrTx = db): Promise<number> {
      const updated = await tx
        .update(linkChecks)
        .set({ ok: result.ok, reason: result.reason, checkedAt: result.at })
        .where(and(eq(linkChecks.runId, result.runId), eq(linkChecks.url, result.url), isNull(linkChecks.checkedAt)))
        .returning({ linkId: linkChecks.linkId });
      return updated.length;
    },
  };
}

export type LinkChecksRepository = ReturnType<typeof createLinkChecksRepository>;
