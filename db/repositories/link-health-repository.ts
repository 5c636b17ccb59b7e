import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { linkHealthChecks } from '../link-stats-schema.ts';
import { editions } from '../schema.ts';

/** A published link whose turn to be checked has come. */
export type DueLink = { linkId: string; url: string; editionId: string };

/** What the last two checks of a link at its current URL said. */
export type LinkHealthState = {
  linkId: string;
  editionId: string;
  url: string;
  title: string | null;
  /** Completed checks counted, at most the last two. */
  checks: number;
  /** Of those, how many failed. */
  failures: number;
  lastOk: boolean | null;
  lastReason: string | null;
  lastCheckedAt: Date | null;
  /** When the earlier of the two checks ran. */
  previousCheckedAt: Date | null;
};

/** One check of a link, as its history lists it. */
export type HealthCheckRow = { linkId: string; url: string; ok: boolean; reason: string | null; checkedAt: Date };

type StateRow = {
  link_id: string;
  edition_id: string;
  url: string;
  title: string | null;
  checks: number | null;
  failures: number | null;
  last_ok: boolean | null;
  last_reason: string | null;
  last_checked_at: Date | null;
  previous_checked_at: Date | null;
};

const toDate = (value: Date | string | null) => (value === null ? null : new Date(value));

/** SQL for the archive's link health checks and their history. */
export function createLinkHealthRepository(db: Database) {
  /** The last two checks of the links `where` selects (a condition on links l). */
  async function states(where: SQL, tx: DbOrTx): Promise<LinkHealthState[]> {
    const result = await tx.execute<StateRow>(sql`
      SELECT l.id AS link_id, l.edition_id, l.url, l.title, s.checks, s.failures, s.last_ok, s.last_reason, s.last_checked_at, s.previous_checked_at
      FROM links l
      JOIN LATERAL (
        SELECT count(*)::int AS checks,
               (count(*) FILTER (WHERE NOT two.ok))::int AS failures,
               (array_agg(two.ok ORDER BY two.checked_at DESC))[1] AS last_ok,
               (array_agg(two.reason ORDER BY two.checked_at DESC))[1] AS last_reason,
               max(two.checked_at) AS last_checked_at,
               CASE WHEN count(*) > 1 THEN min(two.checked_at) END AS previous_checked_at
        FROM (
          SELECT h.ok, h.reason, h.checked_at FROM link_health_checks h
          WHERE h.link_id = l.id AND h.url = l.url AND h.checked_at IS NOT NULL
          ORDER BY h.checked_at DESC, h.id DESC LIMIT 2
        ) two
      ) s ON true
      WHERE l.deleted_at IS NULL AND l.edition_id IS NOT NULL AND ${where}
      ORDER BY l.position, l.id`);
    return result.rows.map((row) => ({
      linkId: row.link_id,
      editionId: row.edition_id,
      url: row.url,
      title: row.title,
      checks: row.checks ?? 0,
      failures: row.failures ?? 0,
      lastOk: row.last_ok,
      lastReason: row.last_reason,
      lastCheckedAt: toDate(row.last_checked_at),
      previousCheckedAt: toDate(row.previous_checked_at),
    }));
  }

  return {
    /** Serialises the runs choosing links, whichever worker runs them, until the transaction ends. */
    async lockClaims(tx: DbOrTx): Promise<void> {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('veille:link-health:claim'))`);
    },

    /**
     * Links of published editions due for a check, never checked (at their current URL) first,
     * then the longest unchecked: a link that loaded last time after `okBefore`, one that failed
     * after `failedBefore`. Links a run holds since `claimedAfter` are left to it.
     */
    async due(filter: { okBefore: Date; failedBefore: Date; claimedAfter: Date; limit: number }, tx: DbOrTx = db): Promise<DueLink[]> {
      const result = await tx.execute<{ link_id: string; url: string; edition_id: string }>(sql`
        SELECT l.id AS link_id, l.url, l.edition_id
        FROM links l
        JOIN editions e ON e.id = l.edition_id AND e.status = 'published'
        LEFT JOIN LATERAL (
          SELECT h.ok, h.checked_at FROM link_health_checks h
          WHERE h.link_id = l.id AND h.url = l.url AND h.checked_at IS NOT NULL
          ORDER BY h.checked_at DESC LIMIT 1
        ) last ON true
        WHERE l.deleted_at IS NULL
          AND l.url ~* '^https?://'
          AND NOT EXISTS (
            SELECT 1 FROM link_health_checks p WHERE p.link_id = l.id AND p.checked_at IS NULL AND p.started_at > ${filter.claimedAfter.toISOString()}::timestamptz
          )
          AND (
            last.checked_at IS NULL
            OR (last.ok AND last.checked_at < ${filter.okBefore.toISOString()}::timestamptz)
            OR (NOT last.ok AND last.checked_at < ${filter.failedBefore.toISOString()}::timestamptz)
          )
        ORDER BY last.checked_at ASC NULLS FIRST, l.id
        LIMIT ${filter.limit}`);
      return result.rows.map((row) => ({ linkId: row.link_id, url: row.url, editionId: row.edition_id }));
    },

    /** Records that a run holds these links: one unanswered check each; their ids, in the same order. */
    async claim(links: Array<{ linkId: string; url: string }>, startedAt: Date, tx: DbOrTx = db): Promise<number[]> {
      if (links.length === 0) return [];
      const rows = await tx
        .insert(linkHealthChecks)
        .values(links.map((link) => ({ linkId: link.linkId, url: link.url, startedAt })))
        .returning({ id: linkHealthChecks.id });
      return rows.map((row) => row.id);
    },

    /** Writes the answer of the checks given by id. */
    async record(result: { ids: number[]; ok: boolean; reason: string | null; at: Date }, tx: DbOrTx = db): Promise<void> {
      if (result.ids.length === 0) return;
      await tx.update(linkHealthChecks).set({ ok: result.ok, reason: result.reason, checkedAt: result.at }).where(inArray(linkHealthChecks.id, result.ids));
    },

    /** The last two checks of each of these links at its current URL. */
    statesOf: (linkIds: string[], tx: DbOrTx = db) =>
      linkIds.length === 0
        ? Promise.resolve([])
        : states(
            sql`l.id IN (${sql.join(
              linkIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
            tx,
          ),

    /** The links of an edition whose last check failed, with their last two checks. */
    failingIn: (editionId: string, tx: DbOrTx = db) =>
      states(sql`l.edition_id = ${editionId}::uuid AND EXISTS (SELECT 1 FROM link_health_checks f WHERE f.link_id = l.id AND f.ok = false)`, tx).then((rows) =>
        rows.filter((row) => row.lastOk === false),
      ),

    /** Links of published editions whose last check failed, with their last two checks. */
    failingPublished: (tx: DbOrTx = db) =>
      states(
        sql`EXISTS (SELECT 1 FROM link_health_checks f WHERE f.link_id = l.id AND f.ok = false)
          AND EXISTS (SELECT 1 FROM editions e WHERE e.id = l.edition_id AND e.status = 'published')`,
        tx,
      ).then((rows) => rows.filter((row) => row.lastOk === false)),

    /** The last `limit` checks of each of these links, newest first (whatever URL they were at). */
    async history(linkIds: string[], limit: number, tx: DbOrTx = db): Promise<HealthCheckRow[]> {
      if (linkIds.length === 0) return [];
      const result = await tx.execute<{ link_id: string; url: string; ok: boolean; reason: string | null; checked_at: Date }>(sql`
        SELECT link_id, url, ok, reason, checked_at FROM (
          SELECT h.*, row_number() OVER (PARTITION BY h.link_id ORDER BY h.checked_at DESC, h.id DESC) AS rn
          FROM link_health_checks h
          WHERE h.link_id IN (${sql.join(
            linkIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )}) AND h.checked_at IS NOT NULL
        ) ranked WHERE rn <= ${limit} ORDER BY link_id, checked_at DESC`);
      return result.rows.map((row) => ({ linkId: row.link_id, url: row.url, ok: row.ok, reason: row.reason, checkedAt: new Date(row.checked_at) }));
    },

    /** Marks editions changed: their public pages show which links have an archived copy. */
    async touchEditions(ids: string[], tx: DbOrTx = db): Promise<void> {
      if (ids.length === 0) return;
      await tx
        .update(editions)
        .set({ updatedAt: sql`now()` })
        .where(inArray(editions.id, ids));
    },

    /** Deletes checks older than `before`, except each link's last two; how many. */
    async purge(before: Date, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute(sql`
        DELETE FROM link_health_checks h
        WHERE h.started_at < ${before.toISOString()}::timestamptz
          AND (SELECT count(*) FROM (SELECT 1 FROM link_health_checks n WHERE n.link_id = h.link_id AND n.id > h.id LIMIT 2) newer) = 2`);
      return result.rowCount ?? 0;
    },
  };
}

export type LinkHealthRepository = ReturnType<typeof createLinkHealthRepository>;
