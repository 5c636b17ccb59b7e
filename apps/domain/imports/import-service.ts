// Bringing an existing newsletter in: Markdown files (a static site's editions), RSS/Atom feeds,
// or a Veille export. Two steps, as the editor sees them: `plan` reads everything and reports what
// would be created (the dry run, nothing written), `run` carries the plan out, one transaction per
// edition, and is idempotent: an edition whose period is already there is left alone, so importing
// the same file twice creates nothing new. Imported editions keep their dates and are published
// without any email being sent.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { CategoriesRepository } from '../../../db/repositories/categories-repository.ts';
import type { EditionImportsRepository } from '../../../db/repositories/edition-imports-repository.ts';
import type { EditionsRepository } from '../../../db/repositories/editions-repository.ts';
import type { LinkInsert, LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import type { UsersRepository } from '../../../db/repositories/users-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { EXPORT_JSON_NAME, veilleExportSchema, type ExportLink, type VeilleExport } from '../exports/export-format.ts';
import { parseFeed, parseMarkdownEdition, type ImportedEdition, type ImportedLink } from './edition-parse.ts';
import { readImportSource, type ImportSource, type SourceProblem } from './sources.ts';
import { checkVeilleExport } from './veille-export.ts';
import { renderCommentary } from '../links/links-service.ts';
import { periodStart, slugify } from '../editions/periods.ts';
import type { Queue } from '../platform/queue.ts';
import { authorize, can, OPERATOR, type Actor } from '../accounts/roles.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import { normalizeUrl } from '../links/url-normalize.ts';

// --- What a plan holds -------------------------------------------------------------------------

/** A link as the import will write it, whatever the source: an export's link, with no creation date unless the source is an export. */
export type PlannedLink = Omit<ExportLink, 'createdAt' | 'children'> & { createdAt: string | null; children: PlannedLink[] };

export type PlannedEdition = {
  source: string;
  period: string;
  title: string;
  slug: string | null;
  tags: string[];
  intro: string;
  outro: string;
  freeSections: Array<{ heading: string; body: string }>;
  /** Sections in order; a null name holds links of no category. Empty sections are kept. */
  sections: Array<{ name: string | null; links: PlannedLink[] }>;
  status: 'draft' | 'scheduled' | 'published';
  publishedAt: string | null;
  scheduledAt: string | null;
  correctedAt: string | null;
  warnings: string[];
};

export type ImportPlan = {
  source: string;
  editions: PlannedEdition[];
  /** What only a Veille export brings. */
  extra?: Pick<VeilleExport, 'settings' | 'categories' | 'inbox' | 'subscribers'>;
};

export type ImportReport = {
  source: string;
  editions: Array<{ period: string; title: string; source: string; action: 'create' | 'skip'; reason?: string; sections: number; links: number; freeSections: number; warnings: string[] }>;
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

const MAX_LISTED_DUPLICATES = 200;
// What one import may hold: its plan is kept (as JSON) between the dry run and the run.
const MAX_PLANNED_LINKS = 200_000;
const MAX_PLANNED_EDITIONS = 10_000;

/** A sentence for an error met while writing: never the SQL or the driver's message. */
function writeFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === '23505') return 'Something with the same unique name (period, slug or category) was created meanwhile; import the file again.';
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `The database refused it (PostgreSQL error ${code}); nothing of it was kept.`;
  return 'An unexpected error stopped it; nothing of it was kept.';
}

// The demo content shipped with Veille: the reference newsletter's two sample editions.
const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../demo');

/** Case- and accent-insensitive key of a category name: "Données" and "donnees" are one category. */
export function categoryKey(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

function safeNormalize(url: string): string {
  try {
    return normalizeUrl(url);
  } catch {
    return url.trim();
  }
}

function fromImportedLink(link: ImportedLink): PlannedLink {
  return { url: link.url, title: link.title || null, commentary: link.commentary, via: null, tags: [], description: null, siteName: null, createdAt: null, children: link.children.map(fromImportedLink) };
}

/** Category names are at most this long (as on the categories page). */
const MAX_CATEGORY_NAME = 100;

function fromImported(edition: ImportedEdition & { period: string }, timeZone: string): PlannedEdition {
  const published = edition.date ?? periodStart(edition.period, timeZone);
  const warnings = [...edition.warnings];
  const categoryName = (name: string) => {
    if (Array.from(name).length <= MAX_CATEGORY_NAME) return name;
    const cut = Array.from(name).slice(0, MAX_CATEGORY_NAME).join('').trim();
    warnings.push(`Section “${cut}…” has a name over ${MAX_CATEGORY_NAME} characters: it is cut there.`);
    return cut;
  };
  return {
    source: edition.source,
    period: edition.period,
    title: edition.title,
    slug: null,
    tags: edition.tags,
    intro: edition.intro,
    outro: edition.outro,
    freeSections: edition.freeSections,
    sections: edition.categories.map((category) => ({ name: categoryName(category.name), links: category.links.map(fromImportedLink) })),
    status: 'published',
    publishedAt: published.toISOString(),
    scheduledAt: null,
    correctedAt: null,
    warnings,
  };
}

function fromExportLink(link: ExportLink): PlannedLink {
  return { ...link, children: link.children.map(fromExportLink) };
}

function countLinks(links: PlannedLink[]): number {
  return links.reduce((sum, link) => sum + 1 + countLinks(link.children), 0);
}

function allLinks(edition: PlannedEdition): PlannedLink[] {
  const out: PlannedLink[] = [];
  const walk = (links: PlannedLink[]) => {
    for (const link of links) {
      out.push(link);
      walk(link.children);
    }
  };
  for (const section of edition.sections) walk(section.links);
  return out;
}

const planSchema = z.object({ source: z.string(), editions: z.array(z.any()), extra: z.any().optional() });

type Deps = {
  db: Database;
  editions: EditionsRepository;
  links: LinksRepository;
  categories: CategoriesRepository;
  subscribers: SubscribersRepository;
  imports: EditionImportsRepository;
  users: Pick<UsersRepository, 'findById'>;
  settings: SettingsService;
  queue: Queue;
  clock: Clock;
  fetchAllowPrivate: boolean;
};

export function createImportService(deps: Deps) {
  const { db, editions, links, categories, subscribers, imports, users, settings, queue, clock } = deps;

  /** Reads a source into a plan: the editions found, and the problems met on the way. */
  async function read(source: ImportSource): Promise<{ plan: ImportPlan; problems: SourceProblem[] }> {
    const loaded = await readImportSource(source, { allowPrivate: deps.fetchAllowPrivate });
    const problems = loaded.problems;
    // Name order, whatever order the archive stored its entries in: "the first file" is then the
    // one a person listing the folder sees first.
    const texts = [...loaded.texts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const current = await settings.get();
    const options = { cadence: current.cadence, timeZone: current.timeZone };
    const name = source.kind === 'path' ? source.path : source.kind === 'upload' ? source.filename : source.url;
    const found: PlannedEdition[] = [];
    let extra: ImportPlan['extra'];

    // A Veille export comes first: its Markdown copies of the same editions are then redundant.
    for (const text of texts.filter((entry) => entry.kind === 'veille-json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.text);
      } catch (error) {
        problems.push({ name: text.name, reason: `This is not valid JSON (${(error as Error).message}).` });
        continue;
      }
      const result = veilleExportSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        problems.push({ name: text.name, reason: `This is not a Veille export this version can read: ${issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'unknown shape'}.` });
        continue;
      }
      if (extra) {
        problems.push({ name: text.name, reason: `Only one ${EXPORT_JSON_NAME} is read per import: this one was left out.` });
        continue;
      }
      // Every value held to the forms' rules: what breaks one is left out and reported.
      const checked = checkVeilleExport(result.data, text.name);
      problems.push(...checked.problems);
      const data = checked.data;
      extra = { settings: data.settings, categories: data.categories, inbox: data.inbox, subscribers: data.subscribers };
      for (const edition of data.editions) {
        found.push({
          source: `${text.name} (${edition.period})`,
          period: edition.period,
          title: edition.title,
          slug: edition.slug,
          tags: edition.tags,
          intro: edition.intro,
          outro: edition.outro,
          freeSections: edition.freeSections,
          sections: edition.sections.map((section) => ({ name: section.category, links: section.links.map(fromExportLink) })),
          // A scheduled edition would be published, and sent, by the next tick: it comes in as
          // a draft to schedule again, so that an import never sends anything.
          status: edition.status === 'scheduled' ? 'draft' : edition.status,
          publishedAt: edition.publishedAt,
          scheduledAt: null,
          correctedAt: edition.correctedAt,
          warnings: [
            ...(checked.warnings.get(edition.period) ?? []),
            ...(edition.status === 'scheduled' ? [`Was scheduled for ${edition.scheduledAt ?? 'later'}: imported as a draft, schedule it again.`] : []),
          ],
        });
      }
    }
    const fromExport = new Set(found.map((edition) => edition.period));

    const parsedEditions: Array<ImportedEdition & { period: string }> = [];
    for (const text of texts) {
      if (text.kind === 'markdown') {
        const result = parseMarkdownEdition(text.text, text.name, options);
        if ('failure' in result) problems.push({ name: result.failure.source, reason: result.failure.reason });
        else if (!result.edition.period) problems.push({ name: text.name, reason: 'Neither a period nor a date tells which edition this is.' });
        else parsedEditions.push(result.edition as ImportedEdition & { period: string });
      } else if (text.kind === 'feed') {
        const result = parseFeed(text.text, text.name, options);
        if ('failure' in result) {
          problems.push({ name: result.failure.source, reason: result.failure.reason });
          continue;
        }
        for (const skipped of result.skipped) problems.push({ name: skipped.source, reason: skipped.reason });
        for (const edition of result.editions) {
          if (!edition.period) problems.push({ name: edition.source, reason: 'This item has no date: its edition cannot be placed.' });
          else parsedEditions.push(edition as ImportedEdition & { period: string });
        }
      }
    }
    for (const edition of parsedEditions) {
      // An export's own Markdown copies: the JSON already holds these editions, with more detail.
      if (fromExport.has(edition.period) && extra) continue;
      found.push(fromImported(edition, current.timeZone));
    }

    // Two files for one period: the first (in name order) is imported, the others reported.
    const byPeriod = new Map<string, PlannedEdition>();
    for (const edition of found) {
      const first = byPeriod.get(edition.period);
      if (first) problems.push({ name: edition.source, reason: `${edition.period} is given by “${first.source}” too: only that one is imported.` });
      else byPeriod.set(edition.period, edition);
    }
    const planned = [...byPeriod.values()].sort((a, b) => a.period.localeCompare(b.period));
    const linkTotal = planned.reduce((sum, edition) => sum + edition.sections.reduce((count, section) => count + countLinks(section.links), 0), 0);
    if (planned.length > MAX_PLANNED_EDITIONS || linkTotal > MAX_PLANNED_LINKS) {
      throw new ValidationError(
        `This holds ${planned.length.toLocaleString('en')} editions and ${linkTotal.toLocaleString('en')} links: one import takes at most ${MAX_PLANNED_EDITIONS.toLocaleString('en')} editions and ${MAX_PLANNED_LINKS.toLocaleString('en')} links. Import it in parts (a few years at a time).`,
      );
    }
    return { plan: { source: name, editions: planned, ...(extra ? { extra } : {}) }, problems };
  }

  /** What the plan would do to this Veille as it is now: the dry-run report. */
  async function assess(plan: ImportPlan, problems: SourceProblem[]): Promise<ImportReport> {
    const [existingEditions, existingCategories] = await Promise.all([editions.listAll(), categories.list({ includeArchived: true })]);
    const byPeriod = new Map(existingEditions.map((edition) => [edition.period, edition]));
    const knownCategories = new Map(existingCategories.map((category) => [categoryKey(category.name), category.name]));
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
      const reason = existing && !isEmptyDraft(existing) ? `${edition.period} is already in Veille (“${existing.title}”): left as it is.` : undefined;
      const linkCount = edition.sections.reduce((sum, section) => sum + countLinks(section.links), 0);
      report.editions.push({
        period: edition.period,
        title: edition.title,
        source: edition.source,
        action: reason ? 'skip' : 'create',
        ...(reason ? { reason } : {}),
        sections: edition.sections.length,
        links: linkCount,
        freeSections: edition.freeSections.length,
        warnings: existing && !reason ? [...edition.warnings, `Takes the place of the empty draft of ${edition.period}, which nobody has edited.`] : edition.warnings,
      });
      if (!reason) {
        creating.push(edition);
        report.links += linkCount;
      }
    }
    const names = [...creating.flatMap((edition) => edition.sections.map((section) => section.name)), ...(plan.extra?.categories.map((category) => category.name) ?? []), ...(plan.extra?.inbox.map((link) => link.category) ?? [])];
    const seen = new Set<string>();
    for (const name of names) {
      if (!name) continue;
      const key = categoryKey(name);
      if (seen.has(key)) continue;
      seen.add(key);
      const known = knownCategories.get(key);
      if (known) report.categories.existing.push(known);
      else report.categories.created.push(name);
    }

    // Duplicates of links already present, looked up in bulk.
    const urls = new Map<string, { url: string; title: string | null; period: string }>();
    for (const edition of creating) for (const link of allLinks(edition)) urls.set(safeNormalize(link.url), { url: link.url, title: link.title, period: edition.period });
    const normalized = [...urls.keys()];
    for (let start = 0; start < normalized.length; start += 5000) {
      for (const found of await links.findByNormalizedUrls(normalized.slice(start, start + 5000))) {
        const mine = urls.get(found.normalizedUrl)!;
        report.duplicateCount += 1;
        if (report.duplicates.length < MAX_LISTED_DUPLICATES) {
          report.duplicates.push({ ...mine, existing: found.period ? `${found.period} (“${found.editionTitle ?? ''}”)` : 'the inbox' });
        }
      }
    }

    if (plan.extra) {
      const inboxUrls = plan.extra.inbox.map((link) => safeNormalize(link.url));
      const knownInbox = new Set((await links.findByNormalizedUrls(inboxUrls)).map((found) => found.normalizedUrl));
      report.inbox = { create: inboxUrls.filter((url) => !knownInbox.has(url)).length, existing: knownInbox.size };
      const emails = plan.extra.subscribers.map((subscriber) => subscriber.email.toLowerCase());
      const knownEmails = await subscribers.existingEmails(emails);
      report.subscribers = { create: emails.filter((email) => !knownEmails.has(email)).length, existing: knownEmails.size };
      report.settings = existingEditions.some((edition) => !isEmptyDraft(edition)) ? 'keep' : 'apply';
    }
    return report;
  }

  /**
   * The draft the schedule creates for a period and nobody touched since (never saved, so still at
   * version 1, nothing in it): an import may take its place. Anything an editor did keeps it.
   */
  function isEmptyDraft(edition: { status: string; version: number; linkCount: number; freeSections: unknown[]; intro: string; outro: string; tags: string[]; categoryOrder: string[] }): boolean {
    return (
      edition.status === 'draft' &&
      edition.version === 1 &&
      edition.linkCount === 0 &&
      edition.freeSections.length === 0 &&
      !edition.intro.trim() &&
      !edition.outro.trim() &&
      edition.tags.length === 0 &&
      edition.categoryOrder.length === 0
    );
  }

  /** Category ids by key, created as needed inside `tx`. */
  async function resolveCategories(names: Array<string | null>, tx: DbOrTx, cache: Map<string, string>): Promise<Map<string, string>> {
    const resolved = new Map<string, string>();
    const missing = names.filter((name): name is string => !!name && !cache.has(categoryKey(name)));
    if (missing.length > 0) {
      for (const category of await categories.list({ includeArchived: true }, tx)) cache.set(categoryKey(category.name), category.id);
    }
    for (const name of names) {
      if (!name) continue;
      const key = categoryKey(name);
      let id = cache.get(key);
      if (!id) {
        id = (await categories.insertOrGet({ name: name.trim(), position: await categories.nextPosition(tx) }, tx)).id;
        cache.set(key, id);
      }
      resolved.set(key, id);
    }
    return resolved;
  }

  /** Writes links (and their nested items) in bulk, in order. */
  async function insertLinks(list: PlannedLink[], base: Omit<LinkInsert, 'url' | 'normalizedUrl' | 'position'>, tx: DbOrTx, firstPosition = 1): Promise<void> {
    if (list.length === 0) return;
    const ids = await links.insertMany(
      list.map((link, index) => ({
        ...base,
        url: link.url,
        normalizedUrl: safeNormalize(link.url),
        title: link.title,
        commentary: link.commentary,
        commentaryHtml: renderCommentary(link.commentary),
        via: link.via,
        tags: link.tags,
        description: link.description,
        siteName: link.siteName,
        // Nothing to fetch: these pages were read (or not) long ago, and the editor wrote the rest.
        fetchStatus: 'ok',
        editedFields: link.title ? ['title'] : [],
        position: firstPosition + index,
        ...(link.createdAt ? { createdAt: new Date(link.createdAt) } : {}),
      })),
      tx,
    );
    for (const [index, link] of list.entries()) {
      if (link.children.length > 0) await insertLinks(link.children, { ...base, parentId: ids[index]! }, tx);
    }
  }

  /** Creates one edition in one transaction; false when its period turned out to be taken. */
  async function createEdition(edition: PlannedEdition, cache: Map<string, string>, createdBy: string | null): Promise<boolean> {
    const local = new Map(cache);
    const created = await db.transaction(async (tx) => {
      const existing = await editions.findByPeriod(edition.period, tx);
      if (existing) {
        if (!isEmptyDraft({ ...existing, linkCount: await editions.linkCount(existing.id, tx) })) return false;
        // The empty draft the schedule created for this period gives way to the imported edition.
        await editions.delete(existing.id, tx);
      }
      const ids = await resolveCategories(edition.sections.map((section) => section.name), tx, local);
      let slug = slugify(edition.slug || edition.title) || 'edition';
      for (let index = 2; await editions.slugTaken(slug, undefined, tx); index++) slug = `${slugify(edition.slug || edition.title) || 'edition'}-${index}`;
      const row = await editions.insert(
        {
          period: edition.period,
          title: edition.title,
          slug,
          tags: edition.tags,
          intro: edition.intro,
          outro: edition.outro,
          freeSections: edition.freeSections,
          categoryOrder: [...new Set(edition.sections.filter((section) => section.name).map((section) => ids.get(categoryKey(section.name!))!))],
          status: edition.status,
          publishedAt: edition.publishedAt ? new Date(edition.publishedAt) : edition.status === 'published' ? clock.now() : null,
          scheduledAt: edition.scheduledAt ? new Date(edition.scheduledAt) : null,
          correctedAt: edition.correctedAt ? new Date(edition.correctedAt) : null,
        },
        tx,
      );
      if (!row) return false;
      for (const section of edition.sections) {
        await insertLinks(section.links, { editionId: row.id, categoryId: section.name ? ids.get(categoryKey(section.name))! : null, createdBy }, tx);
      }
      return true;
    });
    if (created) for (const [key, id] of local) cache.set(key, id);
    return created;
  }

  /** Adds links to the inbox, at the end of their category; those whose URL is known are left out. */
  async function insertInbox(list: Array<{ category: string | null; link: PlannedLink }>, tx: DbOrTx, cache: Map<string, string>, createdBy: string | null): Promise<number> {
    const ids = await resolveCategories(list.map((entry) => entry.category), tx, cache);
    const known = new Set((await links.findByNormalizedUrls(list.map((entry) => safeNormalize(entry.link.url)), tx)).map((found) => found.normalizedUrl));
    let added = 0;
    for (const { category, link } of list) {
      if (known.has(safeNormalize(link.url))) continue;
      const categoryId = category ? ids.get(categoryKey(category))! : null;
      // After what the editor collected there already.
      const position = await links.endPosition({ editionId: null, categoryId }, tx);
      await insertLinks([link], { editionId: null, categoryId, createdBy }, tx, position);
      added += 1;
    }
    return added;
  }

  async function applyExtra(extra: NonNullable<ImportPlan['extra']>, report: ImportReport, cache: Map<string, string>, actor: Actor) {
    const createdBy = actor.id;
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
    await db.transaction(async (tx) => {
      // Categories in their order, archived ones kept archived.
      const ids = await resolveCategories(extra.categories.map((category) => category.name), tx, cache);
      for (const category of [...extra.categories].sort((a, b) => a.position - b.position)) {
        const id = ids.get(categoryKey(category.name));
        if (id && category.archived) await categories.update(id, { archivedAt: clock.now() }, tx);
      }
      outcome.inbox = await insertInbox(extra.inbox.map((link) => ({ category: link.category, link: fromExportLink(link) })), tx, cache, createdBy);
    });
    const now = clock.now();
    const existing = await subscribers.existingEmails(extra.subscribers.map((subscriber) => subscriber.email.toLowerCase()));
    const fresh = extra.subscribers.filter((subscriber) => !existing.has(subscriber.email.toLowerCase()));
    await db.transaction(async (tx) => {
      outcome.subscribers = await subscribers.insertMany(
        fresh.map((subscriber) => ({
          email: subscriber.email.toLowerCase(),
          status: subscriber.status,
          source: subscriber.source || 'import',
          consent: subscriber.consent ?? { at: now.toISOString(), ip: null, form: 'import', text: `Imported from ${EXPORT_JSON_NAME}` },
          confirmedAt: subscriber.confirmedAt ? new Date(subscriber.confirmedAt) : null,
          createdAt: new Date(subscriber.createdAt),
          unsubscribedAt: subscriber.unsubscribedAt ? new Date(subscriber.unsubscribedAt) : null,
          bouncedAt: subscriber.bouncedAt ? new Date(subscriber.bouncedAt) : null,
        })),
        tx,
      );
      // The growth chart's anonymous counts: who joined, and when those who left did.
      await subscribers.recordEvents('subscribed', fresh.filter((subscriber) => subscriber.status !== 'pending').map((subscriber) => new Date(subscriber.confirmedAt ?? subscriber.createdAt)), tx);
      await subscribers.recordEvents('unsubscribed', fresh.filter((subscriber) => subscriber.status === 'unsubscribed' && subscriber.unsubscribedAt).map((subscriber) => new Date(subscriber.unsubscribedAt!)), tx);
      await subscribers.recordEvents('bounced', fresh.filter((subscriber) => subscriber.status === 'bounced' && subscriber.bouncedAt).map((subscriber) => new Date(subscriber.bouncedAt!)), tx);
    });
    return outcome;
  }

  return {

    /** The dry run: reads the source and reports what an import would create; writes nothing. */
    async preview(source: ImportSource, actor: Actor): Promise<{ plan: ImportPlan; report: ImportReport }> {
      authorize(actor, 'newsletter.import');
      const { plan, problems } = await read(source);
      return { plan, report: await assess(plan, problems) };
    },

    /** The dry run, kept so that the editor can look at it and then start the import. */
    async prepare(source: ImportSource, actor: Actor) {
      const { plan, report } = await this.preview(source, actor);
      const row = await imports.insert({ source: plan.source, plan, report, total: report.editions.filter((edition) => edition.action === 'create').length, createdBy: actor.id });
      return { id: row.id, report };
    },

    /** A prepared or finished import with its report. */
    async find(id: string, actor: Actor) {
      authorize(actor, 'newsletter.import');
      const row = z.uuid().safeParse(id).success ? await imports.findSummary(id) : undefined;
      if (!row) throw new NotFoundError('There is no such import.');
      return { ...row, report: row.report as ImportReport };
    },

    /** The latest imports, for the import page. */
    async listRecent(actor: Actor) {
      authorize(actor, 'newsletter.import');
      return imports.listRecent(20);
    },

    /** Queues a prepared import; the worker runs it. */
    async start(id: string, actor: Actor): Promise<void> {
      const row = await this.find(id, actor);
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
    async runPrepared(id: string): Promise<void> {
      const row = await imports.findById(id);
      if (!row || !(await imports.transition(id, ['queued', 'running'], 'running'))) return;
      const plan = planSchema.parse(row.plan) as ImportPlan;
      // Carried out with the rights of whoever started it, as they are now.
      const starter = row.createdBy ? await users.findById(row.createdBy) : OPERATOR;
      if (!starter || !can(starter, 'newsletter.import')) {
        await imports.progress(id, { done: row.done, error: 'The account that started this import may no longer import: nothing was imported.' });
        await imports.transition(id, ['running'], 'failed');
        await imports.clearPlan(id);
        return;
      }
      try {
        const report = await this.execute(plan, row.report as ImportReport, starter, async (done, current) => {
          await imports.progress(id, { done, report: current });
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
     * Carries a plan out: settings, categories, inbox and subscribers of an export, then every
     * edition in its own transaction. A failing edition is reported and the others go on.
     */
    async execute(plan: ImportPlan, previous: ImportReport | undefined, actor: Actor, onProgress?: (done: number, report: ImportReport) => Promise<void>): Promise<ImportReport> {
      authorize(actor, 'newsletter.import');
      const createdBy = actor.id;
      // Assessed again: the Veille may have changed since the dry run (or the same file was imported meanwhile).
      const report = await assess(plan, previous?.problems ?? []);
      const cache = new Map<string, string>();
      const outcome = { created: 0, skipped: 0, failed: [] as Array<{ period: string; reason: string }>, inbox: 0, subscribers: 0, settings: false };
      if (plan.extra) Object.assign(outcome, await applyExtra(plan.extra, report, cache, actor));
      let done = 0;
      let lastReport = Date.now();
      for (const [index, edition] of plan.editions.entries()) {
        const entry = report.editions[index]!;
        if (entry.action === 'skip') outcome.skipped += 1;
        else {
          try {
            if (await createEdition(edition, cache, createdBy)) outcome.created += 1;
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

    /** Plan and run at once (the command line): returns the report with its outcome. */
    async importNow(source: ImportSource, options: { dryRun: boolean; actor: Actor; onProgress?: (done: number, total: number) => void }): Promise<ImportReport> {
      const { plan, report } = await this.preview(source, options.actor);
      if (options.dryRun) return report;
      return this.execute(plan, report, options.actor, async (done) => options.onProgress?.(done, plan.editions.length));
    },

    /**
     * Fills Veille with something to look at: the two reference editions, published, and a few
     * links in the inbox. Idempotent, like any import.
     */
    async loadDemo(actor: Actor): Promise<{ editions: number; inbox: number }> {
      const files = ['web-ops-data-janvier-2018.md', 'web-ops-iot-et-time-series-juin-2024.md'];
      let created = 0;
      for (const file of files) {
        const report = await this.importNow({ kind: 'path', path: path.join(DEMO_DIR, file) }, { dryRun: false, actor });
        if (report.problems.length > 0) throw new Error(`demo content: ${report.problems.map((problem) => `${problem.name}: ${problem.reason}`).join('; ')}`);
        created += report.outcome?.created ?? 0;
      }
      const inbox = z
        .array(z.object({ category: z.string().nullable(), url: z.string(), title: z.string(), commentary: z.string() }))
        .parse(JSON.parse(await readFile(path.join(DEMO_DIR, 'inbox.json'), 'utf8')));
      const cache = new Map<string, string>();
      const added = await db.transaction((tx) =>
        insertInbox(
          inbox.map((entry) => ({ category: entry.category, link: { url: entry.url, title: entry.title, commentary: entry.commentary, via: null, tags: [], description: null, siteName: null, createdAt: null, children: [] } })),
          tx,
          cache,
          actor.id,
        ),
      );
      return { editions: created, inbox: added };
    },

    /** Plans older than a day that nobody ran: their uploaded content goes. */
    purgeStale: () => imports.purgePlannedBefore(new Date(clock.now().getTime() - 24 * 3600 * 1000)),

  };
}

export type ImportService = ReturnType<typeof createImportService>;
