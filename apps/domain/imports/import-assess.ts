// The second stage of an import: what a plan would do to this Veille as it is now, the report of
// the dry run. Editions whose period is taken are skipped (an untouched draft gives way), categories
// are matched by the categories' own key, links already here are listed as duplicates. Nothing is
// written; the run assesses the plan again, since the Veille may have changed in between.
import type { Actor } from '../accounts/roles.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import { isUntouchedDraft } from '../editions/edition-document.ts';
import type { EditionsService } from '../editions/editions-service.ts';
import type { LinksService } from '../links/links-service.ts';
import { comparableUrl } from '../links/url-normalize.ts';
import type { SubscribersService } from '../subscribers/subscribers-service.ts';
import { allLinks, countLinks, plannedSections, type ImportPlan, type PlannedEdition } from './import-plan.ts';
import type { SourceProblem } from './sources.ts';

export type ImportReport = {
  source: string;
  editions: Array<{
    period: string;
    title: string;
    source: string;
    action: 'create' | 'skip';
    reason?: string;
    sections: number;
    links: number;
    freeSections: number;
    warnings: string[];
  }>;
  categories: { existing: string[]; created: string[] };
  links: number;
  /** Links whose URL is already in this Veille (in an edition or the inbox). */
  duplicates: Array<{ url: string; title: string | null; period: string; existing: string }>;
  duplicateCount: number;
  /** Files and feed items that could not be imported, and why. */
  problems: SourceProblem[];
  inbox?: { create: number; existing: number };
  subscribers?: { create: number; existing: number };
  settings?: 'apply' | 'keep';
  /** After the run. */
  outcome?: { created: number; skipped: number; failed: Array<{ period: string; reason: string }>; inbox: number; subscribers: number; settings: boolean };
};

export type AssessDeps = {
  editions: Pick<EditionsService, 'list'>;
  categories: Pick<CategoriesService, 'match'>;
  links: Pick<LinksService, 'knownUrls'>;
  subscribers: Pick<SubscribersService, 'existingEmails'>;
};

const MAX_LISTED_DUPLICATES = 200;

/** The categories the plan names, each once (by key), split into those that exist and those it would create. */
async function assessCategories(plan: ImportPlan, creating: PlannedEdition[], categories: AssessDeps['categories']): Promise<ImportReport['categories']> {
  const names = [
    ...creating.flatMap((edition) => plannedSections(edition).map((section) => section.name)),
    ...(plan.extra?.categories.map((category) => category.name) ?? []),
    ...(plan.extra?.inbox.map((link) => link.category) ?? []),
  ].filter((name): name is string => Boolean(name));
  const result: ImportReport['categories'] = { existing: [], created: [] };
  const seen = new Set<string>();
  for (const { name, key, existing } of await categories.match({ names })) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (existing) result.existing.push(existing.name);
    else result.created.push(name);
  }
  return result;
}

/** Links of the editions to create whose URL is here already, looked up in bulk: the count, and the first ones. */
async function assessDuplicates(creating: PlannedEdition[], links: AssessDeps['links']): Promise<Pick<ImportReport, 'duplicates' | 'duplicateCount'>> {
  const urls = new Map<string, { url: string; title: string | null; period: string }>();
  for (const edition of creating)
    for (const link of allLinks(edition)) urls.set(comparableUrl(link.url), { url: link.url, title: link.title, period: edition.period });
  const result: Pick<ImportReport, 'duplicates' | 'duplicateCount'> = { duplicates: [], duplicateCount: 0 };
  for (const found of await links.knownUrls({ urls: [...urls.values()].map((entry) => entry.url) })) {
    const mine = urls.get(found.normalizedUrl);
    if (!mine) continue;
    result.duplicateCount += 1;
    if (result.duplicates.length < MAX_LISTED_DUPLICATES)
      result.duplicates.push({ ...mine, existing: found.period ? `${found.period} (“${found.editionTitle ?? ''}”)` : 'the inbox' });
  }
  return result;
}

/** What the plan would do to this Veille as it is now: the dry-run report. */
export async function assessPlan(
  plan: ImportPlan,
  problems: SourceProblem[],
  actor: Actor,
  { editions, categories, links, subscribers }: AssessDeps,
): Promise<ImportReport> {
  const existingEditions = await editions.list();
  const byPeriod = new Map(existingEditions.map((edition) => [edition.period, edition]));
  const report: ImportReport = {
    source: plan.source,
    editions: [],
    categories: { existing: [], created: [] },
    links: 0,
    duplicates: [],
    duplicateCount: 0,
    problems,
  };
  const creating: PlannedEdition[] = [];
  for (const edition of plan.editions) {
    const existing = byPeriod.get(edition.period);
    const reason = existing && !isUntouchedDraft(existing) ? `${edition.period} is already in Veille (“${existing.title}”): left as it is.` : undefined;
    const linkCount = plannedSections(edition).reduce((sum, section) => sum + countLinks(section.links), 0);
    report.editions.push({
      period: edition.period,
      title: edition.title,
      source: edition.source,
      action: reason ? 'skip' : 'create',
      ...(reason ? { reason } : {}),
      sections: plannedSections(edition).length,
      links: linkCount,
      freeSections: edition.blocks.length - plannedSections(edition).length,
      warnings:
        existing && !reason ? [...edition.warnings, `Takes the place of the empty draft of ${edition.period}, which nobody has edited.`] : edition.warnings,
    });
    if (!reason) {
      creating.push(edition);
      report.links += linkCount;
    }
  }
  report.categories = await assessCategories(plan, creating, categories);
  Object.assign(report, await assessDuplicates(creating, links));

  if (plan.extra) {
    const knownInbox = new Set((await links.knownUrls({ urls: plan.extra.inbox.map((link) => link.url) })).map((found) => found.normalizedUrl));
    report.inbox = { create: plan.extra.inbox.filter((link) => !knownInbox.has(comparableUrl(link.url))).length, existing: knownInbox.size };
    const emails = plan.extra.subscribers.map((subscriber) => subscriber.email.toLowerCase());
    const knownEmails = await subscribers.existingEmails({ actor, emails });
    report.subscribers = { create: emails.filter((email) => !knownEmails.has(email)).length, existing: knownEmails.size };
    report.settings = existingEditions.some((edition) => !isUntouchedDraft(edition)) ? 'keep' : 'apply';
  }
  return report;
}
