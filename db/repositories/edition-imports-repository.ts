import { desc, eq, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../client.ts';
import { isRowId } from '../ids.ts';
import { editionImports } from '../import-schema.ts';

export type EditionImportRow = typeof editionImports.$inferSelect;
export type EditionImportStatus = EditionImportRow['status'];

/** SQL for edition imports: the plan of a dry run, then the progress of its run. */
export function createEditionImportsRepository(db: Database) {
  return {
    async insert(
      values: { source: string; plan: unknown; report: unknown; total: number; createdBy: string | null },
      tx: DbOrTx = db,
    ): Promise<EditionImportRow> {
      const [row] = await tx.insert(editionImports).values(values).returning();
      return row!;
    },

    async findById(id: string, tx: DbOrTx = db): Promise<EditionImportRow | undefined> {
      if (!isRowId(id)) return undefined;
      const [row] = await tx.select().from(editionImports).where(eq(editionImports.id, id));
      return row;
    },

    /** Without the plan, which can weigh megabytes: for progress polling and lists. */
    async findSummary(id: string, tx: DbOrTx = db) {
      if (!isRowId(id)) return undefined;
      const [row] = await tx
        .select({
          id: editionImports.id,
          source: editionImports.source,
          status: editionImports.status,
          report: editionImports.report,
          total: editionImports.total,
          done: editionImports.done,
          error: editionImports.error,
          createdAt: editionImports.createdAt,
          startedAt: editionImports.startedAt,
          finishedAt: editionImports.finishedAt,
        })
        .from(editionImports)
        .where(eq(editionImports.id, id));
      return row;
    },

    async listRecent(limit: number, tx: DbOrTx = db) {
      return tx
        .select({
          id: editionImports.id,
          source: editionImports.source,
          status: editionImports.status,
          total: editionImports.total,
          done: editionImports.done,
          createdAt: editionImports.createdAt,
          finishedAt: editionImports.finishedAt,
        })
        .from(editionImports)
        .orderBy(desc(editionImports.createdAt))
        .limit(limit);
    },

    /** Moves an import from one status to the next; false when it was not in `from` (someone else moved it). */
    async transition(id: string, from: EditionImportStatus[], to: EditionImportStatus, tx: DbOrTx = db): Promise<boolean> {
      const moved = await tx
        .update(editionImports)
        .set({
          status: to,
          ...(to === 'running' ? { startedAt: sql`now()` } : {}),
          ...(to === 'done' || to === 'failed' ? { finishedAt: sql`now()` } : {}),
        })
        .where(sql`${editionImports.id} = ${id} AND ${editionImports.status} IN ${from}`)
        .returning({ id: editionImports.id });
      return moved.length > 0;
    },

    async progress(id: string, values: { done: number; report?: unknown; error?: string | null }, tx: DbOrTx = db): Promise<void> {
      await tx.update(editionImports).set(values).where(eq(editionImports.id, id));
    },

    /** Drops a finished import's plan (the uploaded content); its report stays. */
    async clearPlan(id: string, tx: DbOrTx = db): Promise<void> {
      await tx
        .update(editionImports)
        .set({ plan: sql`'{}'::jsonb` })
        .where(eq(editionImports.id, id));
    },

    /** Plans nobody ran within the retention period: their content is the uploaded data. */
    async purgePlannedBefore(before: Date, tx: DbOrTx = db): Promise<number> {
      const deleted = await tx
        .delete(editionImports)
        .where(sql`${editionImports.status} = 'planned' AND ${editionImports.createdAt} < ${before.toISOString()}`)
        .returning({ id: editionImports.id });
      return deleted.length;
    },
  };
}

export type EditionImportsRepository = ReturnType<typeof createEditionImportsRepository>;
