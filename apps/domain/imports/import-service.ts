// Bringing an existing newsletter in: Markdown files (a static site's editions), RSS/Atom feeds,
// or a Veille export. Three stages: the plan reads everything (import-plan.ts), the assessment
// says what it would do here (import-assess.ts: the dry run, nothing written), the run carries it
// out through the other features' services (import-apply.ts), one transaction per edition, and is
// idempotent: an edition whose period is already there is left alone, so importing the same file
// twice creates nothing new. Imported editions keep their dates and are published without any
// email being sent. This service holds the stages together and keeps each import's progress.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { EditionImportsRepository } from '../../../db/repositories/edition-imports-repository.ts';
import type { AccountsService } from '../accounts/accounts-service.ts';
import { authorize, can, OPERATOR, type Actor } from '../accounts/roles.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import type { EditionsService } from '../editions/editions-service.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { LinksService } from '../links/links-service.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import type { Queue } from '../platform/queue.ts';
import type { SubscribersService } from '../subscribers/subscribers-service.ts';
import { createImportApply, writeFailure } from './import-apply.ts';
import { assessPlan, type ImportReport } from './import-assess.ts';
import { readPlan, type ImportPlan } from './import-plan.ts';
import type { ImportSource } from './sources.ts';

export type { ImportReport } from './import-assess.ts';
export type { ImportPlan, PlannedEdition, PlannedLink } from './import-plan.ts';

// The demo content shipped with Veille: the reference newsletter's two sample editions.
const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../demo');
// Plans nobody ran are dropped after this long: they hold the uploaded content.
const PLAN_RETENTION_MS = 24 * 3600 * 1000;

const planSchema = z.object({ source: z.string(), editions: z.array(z.any()), extra: z.any().optional() });

type Deps = {
  db: Database;
  imports: EditionImportsRepository;
  editions: Pick<EditionsService, 'list' | 'createImported'>;
  categories: Pick<CategoriesService, 'match' | 'resolve' | 'archive'>;
  links: Pick<LinksService, 'insertTree' | 'knownUrls'>;
  subscribers: Pick<SubscribersService, 'existingEmails' | 'importExported'>;
  accounts: Pick<AccountsService, 'getUser'>;
  settings: Pick<SettingsService, 'get' | 'update'>;
  queue: Queue;
  clock: Clock;
  fetchAllowPrivate: boolean;
};

/** Imports of editions: the dry run kept for the editor, the run as a job with its progress, the command line's import and the demo content. */
export function createImportService(deps: Deps) {
  const { db, imports, editions, categories, links, subscribers, accounts, settings, queue, clock } = deps;
  const apply = createImportApply({ db, editions, categories, links, subscribers, settings, clock });
  const assess = (plan: ImportPlan, problems: ImportReport['problems'], actor: Actor) =>
    assessPlan(plan, problems, actor, { editions, categories, links, subscribers });

  /** The dry run: reads the source and reports what an import would create; writes nothing. */
  async function preview({ actor, source }: { actor: Actor; source: ImportSource }): Promise<{ plan: ImportPlan; report: ImportReport }> {
    authorize(actor, 'newsletter.import');
    const { plan, problems } = await readPlan(source, { settings, categories, allowPrivate: deps.fetchAllowPrivate });
    return { plan, report: await assess(plan, problems, actor) };
  }

  /** A prepared or finished import with its report. */
  async function find({ actor, id }: { actor: Actor; id: string }) {
    authorize(actor, 'newsletter.import');
    const row = z.uuid().safeParse(id).success ? await imports.findSummary(id) : undefined;
    if (!row) throw new NotFoundError('There is no such import.');
    return { ...row, report: row.report as ImportReport };
  }

  /**
   * Carries a plan out: settings, categories, inbox and subscribers of an export, then every
   * edition in its own transaction. A failing edition is reported and the others go on.
   */
  async function execute({
    actor,
    plan,
    previous,
    onProgress,
  }: {
    actor: Actor;
    plan: ImportPlan;
    previous?: ImportReport;
    onProgress?: (done: number, report: ImportReport) => Promise<void>;
  }): Promise<ImportReport> {
    authorize(actor, 'newsletter.import');
    // Assessed again: the Veille may have changed since the dry run (or the same file was imported meanwhile).
    const report = await assess(plan, previous?.problems ?? [], actor);
    return apply.applyPlan({ actor, plan, report, onProgress });
  }

  /** Plan and run at once (the command line): returns the report with its outcome. */
  async function importNow({
    actor,
    source,
    dryRun,
    onProgress,
  }: {
    actor: Actor;
    source: ImportSource;
    dryRun: boolean;
    onProgress?: (done: number, total: number) => void;
  }): Promise<ImportReport> {
    const { plan, report } = await preview({ actor, source });
    if (dryRun) return report;
    return execute({ actor, plan, previous: report, onProgress: async (done) => onProgress?.(done, plan.editions.length) });
  }

  /** The account that started an import, as it is now; the operator when nobody did (the command line). */
  async function starterOf(createdBy: string | null): Promise<Actor | undefined> {
    if (!createdBy) return OPERATOR;
    try {
      return await accounts.getUser({ id: createdBy });
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  return {
    preview,
    find,
    execute,
    importNow,

    /** The dry run, kept so that the editor can look at it and then start the import. */
    async prepare({ actor, source }: { actor: Actor; source: ImportSource }) {
      const { plan, report } = await preview({ actor, source });
      const row = await imports.insert({
        source: plan.source,
        plan,
        report,
        total: report.editions.filter((edition) => edition.action === 'create').length,
        createdBy: actor.id,
      });
      return { id: row.id, report };
    },

    /** The latest imports, for the import page. */
    async listRecent({ actor }: { actor: Actor }) {
      authorize(actor, 'newsletter.import');
      return imports.listRecent(20);
    },

    /** Queues a prepared import; the worker runs it. */
    async start({ actor, id }: { actor: Actor; id: string }): Promise<void> {
      const row = await find({ actor, id });
      if (row.status !== 'planned') throw new ValidationError(row.status === 'done' ? 'This import has already run.' : 'This import is already running.');
      if (!(await imports.transition(id, ['planned'], 'queued'))) throw new ValidationError('This import is already running.');
      try {
        await queue.send('imports.run', { importId: id }, { singletonKey: `import:${id}` });
      } catch (error) {
        // Not queued after all: back to its dry run, so that the button works again.
        await imports.transition(id, ['queued'], 'planned');
        throw error;
      }
    },

    /** Runs a prepared import (the worker's job); edition by edition, with its progress recorded. */
    async runPrepared({ importId: id }: { importId: string }): Promise<void> {
      const row = await imports.findById(id);
      if (!row || !(await imports.transition(id, ['queued', 'running'], 'running'))) return;
      const plan = planSchema.parse(row.plan) as ImportPlan;
      // Carried out with the rights of whoever started it, as they are now.
      const starter = await starterOf(row.createdBy);
      if (!starter || !can(starter, 'newsletter.import')) {
        await imports.progress(id, { done: row.done, error: 'The account that started this import may no longer import: nothing was imported.' });
        await imports.transition(id, ['running'], 'failed');
        await imports.clearPlan(id);
        return;
      }
      try {
        const report = await execute({
          actor: starter,
          plan,
          previous: row.report as ImportReport,
          onProgress: (done, current) => imports.progress(id, { done, report: current }),
        });
        await imports.progress(id, { done: plan.editions.length, report });
        await imports.transition(id, ['running'], 'done');
        // The plan held the uploaded content; the report says what was done with it.
        await imports.clearPlan(id);
      } catch (error) {
        const current = await imports.findSummary(id);
        await imports.progress(id, { done: current?.done ?? row.done, error: writeFailure(error) });
        await imports.transition(id, ['running'], 'failed');
        await imports.clearPlan(id);
        throw error;
      }
    },

    /**
     * Fills Veille with something to look at: the two reference editions, published, and a few
     * links in the inbox. Idempotent, like any import.
     */
    async loadDemo({ actor }: { actor: Actor }): Promise<{ editions: number; inbox: number }> {
      // The demo editions are written in French: the site and the emails speak it too.
      await settings.update({ actor, input: { locale: 'fr' } });
      const files = ['web-ops-data-janvier-2018.md', 'web-ops-iot-et-time-series-juin-2024.md'];
      let created = 0;
      for (const file of files) {
        const report = await importNow({ actor, source: { kind: 'path', path: path.join(DEMO_DIR, file) }, dryRun: false });
        if (report.problems.length > 0) throw new Error(`demo content: ${report.problems.map((problem) => `${problem.name}: ${problem.reason}`).join('; ')}`);
        created += report.outcome?.created ?? 0;
      }
      const inbox = z
        .array(z.object({ category: z.string().nullable(), url: z.string(), title: z.string(), commentary: z.string() }))
        .parse(JSON.parse(await readFile(path.join(DEMO_DIR, 'inbox.json'), 'utf8')));
      const added = await db.transaction((tx) =>
        apply.insertInbox(
          inbox.map((entry) => ({
            category: entry.category,
            link: {
              url: entry.url,
              title: entry.title,
              commentary: entry.commentary,
              via: null,
              tags: [],
              description: null,
              siteName: null,
              createdAt: null,
              children: [],
            },
          })),
          tx,
          new Map(),
          actor,
        ),
      );
      return { editions: created, inbox: added };
    },

    /** Plans older than a day that nobody ran: their uploaded content goes. */
    purgeStale: () => imports.purgePlannedBefore(new Date(clock.now().getTime() - PLAN_RETENTION_MS)),
  };
}

export type ImportService = ReturnType<typeof createImportService>;
