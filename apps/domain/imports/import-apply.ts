// The last stage of an import: carrying a plan out through the services of each feature, one
// transaction per edition. Categories are resolved by the categories service (the one key), links
// written by the links service (with their nested items), editions created by the editions service
// (under a slug of their own), readers brought in by the subscribers service. A failing edition is
// reported and the others go on; an edition whose period was taken meanwhile is skipped.
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { StoredBlock } from '../../../db/repositories/editions-repository.ts';
import type { Actor } from '../accounts/roles.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import { keptTextId } from '../editions/edition-blocks.ts';
import type { EditionsService } from '../editions/editions-service.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import { EXPORT_JSON_NAME } from '../exports/export-format.ts';
import type { LinksService } from '../links/links-service.ts';
import { comparableUrl } from '../links/url-normalize.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError } from '../platform/errors.ts';
import type { SubscribersService } from '../subscribers/subscribers-service.ts';
import type { ImportReport } from './import-assess.ts';
import { fromExportLink, plannedSections, type ImportPlan, type PlannedEdition, type PlannedLink } from './import-plan.ts';

export type ApplyDeps = {
  db: Database;
  editions: Pick<EditionsService, 'createImported'>;
  categories: Pick<CategoriesService, 'resolve' | 'archive'>;
  links: Pick<LinksService, 'insertTree' | 'knownUrls'>;
  subscribers: Pick<SubscribersService, 'importExported'>;
  settings: Pick<SettingsService, 'get' | 'update'>;
  clock: Clock;
};

/** Category ids by the name an import gave, for the names it resolved already (in committed transactions). */
export type CategoryCache = Map<string, string>;

/** Thrown inside an edition's transaction when its period turned out to be taken: nothing of it is kept. */
class PeriodTaken extends Error {}

/** A sentence for an error met while writing: never the SQL or the driver's message. */
export function writeFailure(error: unknown): string {
  // A rule of Veille's own refused it: its sentence says which.
  if (error instanceof DomainError) return `${error.message} Nothing of it was kept.`;
  const code = (error as { code?: unknown }).code;
  if (code === '23505') return 'Something with the same unique name (period, slug or category) was created meanwhile; import the file again.';
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `The database refused it (PostgreSQL error ${code}); nothing of it was kept.`;
  return 'An unexpected error stopped it; nothing of it was kept.';
}

/** The writes of an import, each through the service that owns the rule. */
export function createImportApply({ db, editions, categories, links, subscribers, settings, clock }: ApplyDeps) {
  /** The category id of each name (created as needed inside `tx`); `cache` holds what earlier transactions resolved. */
  async function categoryIds(names: Array<string | null>, tx: DbOrTx, cache: CategoryCache): Promise<Map<string, string>> {
    for (const name of names) {
      if (name && !cache.has(name)) cache.set(name, (await categories.resolve({ name }, tx)).category.id);
    }
    return cache;
  }

  /** Creates one edition in one transaction; false when its period turned out to be taken. */
  async function createEdition(edition: PlannedEdition, cache: CategoryCache, actor: Actor): Promise<boolean> {
    const local = new Map(cache);
    try {
      await db.transaction(async (tx) => {
        const ids = await categoryIds(
          plannedSections(edition).map((section) => section.name),
          tx,
          local,
        );
        const { source: _source, warnings: _warnings, blocks: planned, publishedAt, scheduledAt, correctedAt, ...fields } = edition;
        const textIds = new Set<string>();
        const values = {
          ...fields,
          blocks: planned.map((block): StoredBlock =>
            block.kind === 'text'
              ? { kind: 'text', id: keptTextId(block.id, textIds), heading: block.heading, body: block.body }
              : { kind: 'category', categoryId: block.name ? ids.get(block.name)! : null, intro: block.intro, outro: block.outro, keepEmpty: block.keepEmpty },
          ),
          publishedAt: publishedAt ? new Date(publishedAt) : edition.status === 'published' ? clock.now() : null,
          scheduledAt: scheduledAt ? new Date(scheduledAt) : null,
          correctedAt: correctedAt ? new Date(correctedAt) : null,
        };
        const row = await editions.createImported({ values }, tx);
        // The categories it would have created go with it.
        if (!row) throw new PeriodTaken();
        for (const section of plannedSections(edition)) {
          await links.insertTree({ actor, links: section.links, editionId: row.id, categoryId: section.name ? ids.get(section.name)! : null }, tx);
        }
      });
    } catch (error) {
      if (error instanceof PeriodTaken) return false;
      throw error;
    }
    for (const [name, id] of local) cache.set(name, id);
    return true;
  }

  /** Adds links to the inbox, at the end of their category; those whose URL is known are left out. */
  async function insertInbox(list: Array<{ category: string | null; link: PlannedLink }>, tx: DbOrTx, cache: CategoryCache, actor: Actor): Promise<number> {
    const ids = await categoryIds(
      list.map((entry) => entry.category),
      tx,
      cache,
    );
    const known = new Set((await links.knownUrls({ urls: list.map((entry) => entry.link.url) }, tx)).map((found) => found.normalizedUrl));
    let added = 0;
    for (const { category, link } of list) {
      if (known.has(comparableUrl(link.url))) continue;
      // After what the editor collected there already.
      await links.insertTree({ actor, links: [link], editionId: null, categoryId: category ? ids.get(category)! : null }, tx);
      added += 1;
    }
    return added;
  }

  /** What only a Veille export brings: its settings (into an empty Veille), categories, inbox and readers. */
  async function applyExtra(extra: NonNullable<ImportPlan['extra']>, report: ImportReport, cache: CategoryCache, actor: Actor) {
    const outcome = { inbox: 0, subscribers: 0, settings: false };
    if (report.settings === 'apply') {
      const known = await settings.get();
      const values: Record<string, unknown> = {};
      for (const key of Object.keys(known)) if (extra.settings[key] !== undefined) values[key] = extra.settings[key];
      try {
        await settings.update({ actor, input: values });
        outcome.settings = true;
      } catch (error) {
        report.problems.push({ name: EXPORT_JSON_NAME, reason: `The settings were not applied: ${(error as Error).message}` });
      }
    }
    const local = new Map(cache);
    await db.transaction(async (tx) => {
      // Categories in their order, archived ones kept archived.
      const ids = await categoryIds(
        extra.categories.map((category) => category.name),
        tx,
        local,
      );
      for (const category of [...extra.categories].sort((a, b) => a.position - b.position)) {
        const id = ids.get(category.name);
        if (id && category.archived) await categories.archive({ id, archived: true }, tx);
      }
      outcome.inbox = await insertInbox(
        extra.inbox.map((link) => ({ category: link.category, link: fromExportLink(link) })),
        tx,
        local,
        actor,
      );
    });
    for (const [name, id] of local) cache.set(name, id);
    outcome.subscribers = await subscribers.importExported({ actor, readers: extra.subscribers, source: EXPORT_JSON_NAME });
    return outcome;
  }

  return {
    insertInbox,

    /**
     * Carries an assessed plan out: what only an export brings, then every edition in its own
     * transaction. The report says what happened; `onProgress` hears of it every half second.
     */
    async applyPlan({
      actor,
      plan,
      report,
      onProgress,
    }: {
      actor: Actor;
      plan: ImportPlan;
      report: ImportReport;
      onProgress?: (done: number, report: ImportReport) => Promise<void>;
    }): Promise<ImportReport> {
      const cache: CategoryCache = new Map();
      const outcome = { created: 0, skipped: 0, failed: [] as Array<{ period: string; reason: string }>, inbox: 0, subscribers: 0, settings: false };
      if (plan.extra) Object.assign(outcome, await applyExtra(plan.extra, report, cache, actor));
      let done = 0;
      let lastReport = Date.now();
      for (const [index, edition] of plan.editions.entries()) {
        const entry = report.editions[index]!;
        if (entry.action === 'skip') outcome.skipped += 1;
        else {
          try {
            if (await createEdition(edition, cache, actor)) outcome.created += 1;
            else {
              outcome.skipped += 1;
              entry.action = 'skip';
              entry.reason = `${edition.period} is already in Veille: left as it is.`;
            }
          } catch (error) {
            outcome.failed.push({ period: edition.period, reason: writeFailure(error) });
          }
        }
        done += 1;
        if (onProgress && (Date.now() - lastReport > 500 || done === plan.editions.length)) {
          lastReport = Date.now();
          await onProgress(done, { ...report, outcome: { ...outcome } });
        }
      }
      return { ...report, outcome };
    },
  };
}
