import type { Services } from '../../bootstrap/services.ts';
import type { Actor } from '../../domain/accounts/roles.ts';

/** The import page: its two forms, empty, and the latest imports. */
export async function importPage({ imports }: Pick<Services, 'imports'>, actor: Actor): Promise<Record<string, unknown>> {
  return { recent: await imports.listRecent({ actor }), values: {}, errors: {} };
}

/** An import's report: the dry run, then the progress of its run (what the report page polls). */
export async function importReportPage({ imports }: Pick<Services, 'imports'>, actor: Actor, id: string): Promise<Record<string, unknown>> {
  const job = await imports.find({ actor, id });
  return { job, report: job.report };
}
