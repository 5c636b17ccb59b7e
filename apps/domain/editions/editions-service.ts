import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { CategoriesRepository } from '../../../db/repositories/categories-repository.ts';
import type { EditionPatch, EditionRow, EditionsRepository } from '../../../db/repositories/editions-repository.ts';
import type { LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { wordsFor } from '../platform/locales/index.ts';
import { assembleDocument, refuseEmptyEdition } from './edition-document.ts';
import type { EditionDocument, NewsletterInfo } from './edition-types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { normalizeTags } from '../links/link-fields.ts';
import type { LinksService } from '../links/links-service.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import { editionPath, parsePeriod, periodOf, renderTitleTemplate, slugify, wallClockToInstant } from './periods.ts';
import type { SettingsService } from './settings-service.ts';
import type { EventSink } from '../webhooks/webhook-events.ts';
import { parseInput } from '../platform/validation.ts';

export type { EditionDocument, EditionRow };

/** Which edition a method acts on: by id, or by its period ('2024-06', '2024-W07'). */
export type EditionRef = { id: string; period?: undefined } | { period: string; id?: undefined };

/** The reference an id-or-period string makes: an id when it is a UUID, a period otherwise. */
export function editionRef(idOrPeriod: string): EditionRef {
  return z.uuid().safeParse(idOrPeriod).success ? { id: idOrPeriod } : { period: idOrPeriod };
}

const freeSectionSchema = z.object({
  heading: z
    .string({ error: 'Each section needs a heading.' })
    .trim()
    .min(1, { error: 'Each section needs a heading.' })
    .max(200, { error: 'Section headings are at most 200 characters.' }),
  body: z.string({ error: 'Section text must be text.' }).max(50_000, { error: 'A section is at most 50,000 characters.' }),
});

const tagsSchema = z
  .union([z.array(z.string().max(60)), z.string().max(2000)], { error: 'Tags must be a list of words.' })
  .transform(normalizeTags)
  .refine((tags) => tags.length <= 40, { error: 'At most 40 tags.' })
  .refine((tags) => tags.every((tag) => tag.length <= 40 && /^[\p{L}\p{N}][\p{L}\p{N}.+#'’-]*$/u.test(tag)), {
    error: 'Tags may contain letters, digits, dots, apostrophes and dashes, 40 characters at most.',
  });

const updateSchema = z.object({
  version: z.coerce.number({ error: 'The edition version is missing: reload the page.' }).int().min(1),
  title: z.string().trim().min(1, { error: 'The title is required.' }).max(300, { error: 'The title is at most 300 characters.' }).optional(),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, { error: 'The slug is required.' })
    .max(100, { error: 'The slug is at most 100 characters.' })
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'Use lower-case letters, digits and dashes only, e.g. juin-2024.' })
    .optional(),
  tags: tagsSchema.optional(),
  intro: z.string().max(50_000, { error: 'The intro is at most 50,000 characters.' }).optional(),
  outro: z.string().max(50_000, { error: 'The closing text is at most 50,000 characters.' }).optional(),
  freeSections: z.array(freeSectionSchema).max(20, { error: 'At most 20 free sections.' }).optional(),
  categoryOrder: z.array(z.uuid()).max(200).optional(),
});

/** The rules an edition's fields follow in the editor and the API, for the imports that bring editions in. */
export const editionFieldRules = {
  title: updateSchema.shape.title.unwrap(),
  slug: updateSchema.shape.slug.unwrap(),
  tags: tagsSchema,
  intro: updateSchema.shape.intro.unwrap(),
  outro: updateSchema.shape.outro.unwrap(),
  freeSections: updateSchema.shape.freeSections.unwrap(),
};

const apiSchema = z.object({
  title: z.string().trim().min(1).max(300).optional(),
  slug: updateSchema.shape.slug,
  tags: tagsSchema.optional(),
  intro: z.string().max(50_000).optional(),
  outro: z.string().max(50_000).optional(),
  freeSections: z.array(freeSectionSchema).max(20).optional(),
  sections: z
    .array(
      z.object({
        category: z.string({ error: 'Each section names its category.' }).trim().min(1, { error: 'Each section names its category.' }).max(100),
        links: z.array(z.uuid({ error: 'Links are given by their id.' })).max(500),
      }),
    )
    .max(100)
    .optional(),
});

/** Turns a wall-clock date and time in a time zone ("2024-06-30T18:00") into the instant it names. */
export function zonedTimeToUtc(local: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(local.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const result = new Date(wallClockToInstant(Date.UTC(year, month - 1, day, hour, minute), timeZone));
  return Number.isNaN(result.getTime()) ? undefined : result;
}

type Deps = {
  db: Database;
  editions: EditionsRepository;
  links: LinksRepository;
  categories: CategoriesRepository;
  settings: SettingsService;
  clock: Clock;
  publicUrl: string;
  /** Moves links with their nested items (adding to an edition, back to the inbox). */
  linkTree: Pick<LinksService, 'relocate'>;
  /** Finds or creates the category a section names. */
  categoryNames: Pick<CategoriesService, 'resolve'>;
  /** Where publications are announced (the outgoing webhooks). */
  events: EventSink;
};

/** Editions: drafts per period, composing, publishing, and the documents every renderer reads. */
export function createEditionsService({ db, editions, links, categories, settings, clock, publicUrl, linkTree, categoryNames, events }: Deps) {
  /** The edition a reference names; a NotFoundError when there is none. */
  async function find(ref: EditionRef): Promise<EditionRow> {
    const row =
      ref.id !== undefined
        ? z.uuid().safeParse(ref.id).success
          ? await editions.findById(ref.id)
          : undefined
        : parsePeriod(ref.period)
          ? await editions.findByPeriod(ref.period)
          : undefined;
    if (!row) throw new NotFoundError('There is no such edition.');
    return row;
  }

  async function uniqueSlug(base: string, exceptId?: string, tx: DbOrTx = db): Promise<string> {
    const root = base || 'edition';
    for (let index = 1; ; index++) {
      const candidate = index === 1 ? root : `${root}-${index}`;
      if (!(await editions.slugTaken(candidate, exceptId, tx))) return candidate;
    }
  }

  /** The edition with its links grouped in sections, in the order readers see them. */
  async function document({ edition, tx = db }: { edition: EditionRow; tx?: DbOrTx }): Promise<EditionDocument> {
    const [top, allCategories, current] = await Promise.all([
      links.list({ scope: 'all', editionId: edition.id, limit: 5000, order: 'position' }, tx),
      categories.list({ includeArchived: true }, tx),
      settings.get(),
    ]);
    const children = await links.childrenOf(
      top.map((link) => link.id),
      tx,
    );
    return assembleDocument({ row: edition, top, children, categories: allCategories, miscellaneous: wordsFor(current.locale).edition.miscellaneous });
  }

  async function titleFor(period: string): Promise<string> {
    const current = await settings.get();
    return renderTitleTemplate(current.titleTemplate.replaceAll('{name}', current.newsletterName), period, current.locale);
  }

  /** Tells the outgoing webhooks that an edition is on the site. */
  async function announcePublished(edition: EditionRow): Promise<void> {
    await events.emit('edition.published', {
      period: edition.period,
      title: edition.title,
      url: `${publicUrl}${editionPath(edition)}`,
      publishedAt: (edition.publishedAt ?? clock.now()).toISOString(),
    });
  }

  async function create(period: string, values: EditionPatch = {}): Promise<EditionRow> {
    const title = values.title ?? (await titleFor(period));
    const slug = await uniqueSlug(values.slug ?? slugify(title));
    const inserted = await editions.insert({ ...values, period, title, slug });
    return inserted ?? (await find({ period }));
  }

  return {
    find,
    document,

    /** The newsletter as the renderers need it. */
    async newsletter(): Promise<NewsletterInfo> {
      const current = await settings.get();
      return { name: current.newsletterName, description: current.description, publicUrl, locale: current.locale, footer: current.footer };
    },

    /** The period "now" falls in, in the newsletter's time zone and cadence. */
    async currentPeriod(): Promise<string> {
      const current = await settings.get();
      return periodOf(clock.now(), current.cadence, current.timeZone);
    },

    /** The draft of a period (the current one by default), created when missing. */
    async ensureDraft(input: { period?: string } = {}): Promise<EditionRow> {
      const target = input.period ?? (await this.currentPeriod());
      if (!parsePeriod(target)) throw new ValidationError('Periods look like 2024-06 (monthly) or 2024-W07 (weekly).', { period: 'Use YYYY-MM or YYYY-Www.' });
      return (await editions.findByPeriod(target)) ?? create(target);
    },

    list: () => editions.listAll(),

    /** Changes the edition if nobody else saved it since `input.version`; a published one is marked corrected. */
    async update(ref: EditionRef & { input: Record<string, unknown> }): Promise<EditionRow> {
      const current = await find(ref);
      const values = parseInput(updateSchema, ref.input);
      const { version, ...changes } = values;
      if (changes.slug && changes.slug !== current.slug && (await editions.slugTaken(changes.slug, current.id))) {
        throw new ValidationError('Another edition uses this slug.', { slug: 'Another edition uses this slug.' });
      }
      const patch: EditionPatch = { ...changes };
      if (current.status === 'published') patch.correctedAt = clock.now();
      const updated = await editions.updateIfVersion(current.id, version, patch);
      if (!updated) {
        const latest = await find({ id: current.id });
        throw new ConflictError(
          `Someone else saved this edition meanwhile (it is now at version ${latest.version}, you started from version ${version}). Your text is kept below: copy what you need, then reload to see their changes.`,
        );
      }
      return updated;
    },

    /** Sets which sections the edition shows and in what order (categories by id, unknown ones ignored). */
    async setCategoryOrder(ref: EditionRef & { categoryIds: string[] }): Promise<void> {
      const edition = await find(ref);
      const known = new Set((await categories.list({ includeArchived: true })).map((category) => category.id));
      await editions.setCategoryOrder(edition.id, [...new Set(ref.categoryIds.filter((value) => known.has(value)))]);
    },

    /** Moves inbox links into the edition, at the end of their category, their nested items with them. */
    async addLinks({ id, linkIds }: { id: string; linkIds: string[] }): Promise<number> {
      const edition = await find(editionRef(id));
      let added = 0;
      await db.transaction(async (tx) => {
        for (const linkId of linkIds.filter((value) => z.uuid().safeParse(value).success)) {
          const link = await links.findById(linkId, {}, tx);
          // A nested item comes with its parent.
          if (!link || link.parentId) continue;
          await linkTree.relocate({ id: linkId, to: { editionId: edition.id, position: 'last' } }, tx);
          added += 1;
        }
      });
      return added;
    },

    /** Sends a link (with its nested items) back to the inbox, first of its category; a nested item leaves its parent. */
    async removeLink({ id, linkId }: { id: string; linkId: string }): Promise<void> {
      const edition = await find(editionRef(id));
      const link = z.uuid().safeParse(linkId).success ? await links.findById(linkId) : undefined;
      if (!link || link.editionId !== edition.id) throw new NotFoundError('This link is not in this edition.');
      await db.transaction((tx) => linkTree.relocate({ id: linkId, to: { editionId: null, parentId: null, position: 'first' } }, tx));
    },

    /** Publishes now; an edition with nothing in it is refused with the reason. */
    async publish(ref: EditionRef): Promise<EditionRow> {
      const edition = await find(ref);
      refuseEmptyEdition(await document({ edition }), 'publishing');
      const updated = await editions.update(edition.id, { status: 'published', publishedAt: edition.publishedAt ?? clock.now(), scheduledAt: null });
      if (edition.status !== 'published') await announcePublished(updated!);
      return updated!;
    },

    /** Announces editions the schedule has just published (delivery.publishScheduled calls it once their transaction committed). */
    async announceScheduled({ published }: { published: EditionRow[] }): Promise<void> {
      for (const edition of published) await announcePublished(edition);
    },

    /** Schedules publication at a wall-clock time of the newsletter's time zone ("2024-06-30T18:00"). */
    async schedule(ref: EditionRef & { at: string }): Promise<EditionRow> {
      const edition = await find(ref);
      const { timeZone } = await settings.get();
      const when = zonedTimeToUtc(ref.at, timeZone);
      if (!when) throw new ValidationError('Give a date and a time, such as 2024-06-30 18:00.', { scheduledAt: 'Give a date and a time.' });
      if (when.getTime() <= clock.now().getTime())
        throw new ValidationError('This time is in the past: choose a later one, or publish now.', { scheduledAt: 'This time is in the past.' });
      if (edition.status === 'published') throw new ConflictError('This edition is already published.');
      refuseEmptyEdition(await document({ edition }), 'scheduling');
      return (await editions.update(edition.id, { status: 'scheduled', scheduledAt: when }))!;
    },

    /** Takes an edition off the public site (back to draft); its links stay in it. */
    async unpublish(ref: EditionRef): Promise<EditionRow> {
      const edition = await find(ref);
      return (await editions.update(edition.id, { status: 'draft', scheduledAt: null }))!;
    },

    /**
     * Publishes every scheduled edition that is due, exactly once each however many ticks run at
     * once. Sending them is the delivery's part: see delivery.publishScheduled, which the tick calls.
     */
    publishDue: (input: { tx?: DbOrTx } = {}) => editions.publishDue(clock.now(), input.tx),

    /** Creates or replaces an edition from the JSON API's document: the links listed, in that order. */
    async put({ period, input }: { period: string; input: Record<string, unknown> }): Promise<EditionRow> {
      if (!parsePeriod(period)) throw new NotFoundError('Periods look like 2024-06 or 2024-W07.');
      const values = parseInput(apiSchema, input);
      const existing = await editions.findByPeriod(period);
      const row = existing ?? (await create(period, { title: values.title, slug: values.slug }));
      const sectionCategories: string[] = [];
      await db.transaction(async (tx) => {
        if (values.sections) {
          const listed = values.sections.flatMap((section) => section.links);
          if (new Set(listed).size !== listed.length) throw new ValidationError('A link appears twice.', { sections: 'Each link may appear once.' });
          const found = await links.findByIds(listed, tx);
          const missing = listed.filter((id) => !found.some((link) => link.id === id));
          if (missing.length > 0) throw new ValidationError('Unknown links.', { sections: `No link with the id ${missing.join(', ')}.` });
          const taken = found.filter((link) => link.editionId && link.editionId !== row.id);
          if (taken.length > 0) throw new ConflictError(`These links are in another edition already: ${taken.map((link) => link.id).join(', ')}.`);
          // Links of this edition that are not listed any more go back to the inbox, with their nested items.
          const current = await links.list({ scope: 'all', editionId: row.id, limit: 5000, order: 'position' }, tx);
          for (const link of current.filter((candidate) => !listed.includes(candidate.id)))
            await linkTree.relocate({ id: link.id, to: { editionId: null, position: link.position } }, tx);
          for (const section of values.sections) {
            const { category } = await categoryNames.resolve({ name: section.category }, tx);
            sectionCategories.push(category.id);
            for (const [index, linkId] of section.links.entries()) {
              await linkTree.relocate({ id: linkId, to: { editionId: row.id, categoryId: category.id, parentId: null, position: index + 1 } }, tx);
            }
          }
        }
      });
      const patch: Record<string, unknown> = { version: (await find({ id: row.id })).version };
      for (const key of ['title', 'slug', 'tags', 'intro', 'outro', 'freeSections'] as const) if (values[key] !== undefined) patch[key] = values[key];
      if (values.sections) patch.categoryOrder = sectionCategories;
      return this.update({ id: row.id, input: patch });
    },

    /** A published edition by its permalink. */
    async published({ year, part, slug }: { year: string; part: string; slug: string }): Promise<EditionRow> {
      const row = await editions.findBySlug(slug);
      if (!row || row.status !== 'published' || editionPath(row) !== `/${year}/${part}/${slug}`) throw new NotFoundError('There is no such edition.');
      return row;
    },

    async latestPublished(): Promise<EditionRow | undefined> {
      return (await editions.listPublished({ limit: 1, offset: 0 })).rows[0];
    },

    archive: (filter: { year?: number; tag?: string; limit: number; offset: number }) => editions.listPublished(filter),
    publishedYears: () => editions.publishedYears(),
    publishedTags: () => editions.publishedTags(),
    search: ({ q }: { q: string }) => editions.searchPublished(q, 50),
    publicStamp: ({ slug }: { slug: string }) => editions.publicStamp(slug),
    archiveStamp: () => editions.archiveStamp(),

    /**
     * Creates an edition an import brings, inside the import's transaction, under a slug no other
     * edition uses (its own, or its title's, with -2, -3... added). The draft the schedule created
     * for the period and nobody touched gives way to it; undefined when the period holds an edition
     * someone worked on.
     */
    async createImported({ values }: { values: ImportedEditionValues }, tx: DbOrTx = db): Promise<EditionRow | undefined> {
      const existing = await editions.findByPeriod(values.period, tx);
      if (existing) {
        if (!isUntouchedDraft({ ...existing, linkCount: await editions.linkCount(existing.id, tx) })) return undefined;
        await editions.delete(existing.id, tx);
      }
      const { slug, ...rest } = values;
      return editions.insert({ ...rest, slug: await uniqueSlug(slugify(slug || values.title), undefined, tx) }, tx);
    },
  };
}

/** What an import gives to create an edition: its fields as they were, its slug a wish. */
export type ImportedEditionValues = { period: string; title: string; slug: string | null } & Omit<EditionPatch, 'title' | 'slug'>;

/**
 * The draft the schedule creates for a period and nobody touched since (never saved, so still at
 * version 1, nothing in it): an import may take its place. Anything an editor did keeps it.
 */
export function isUntouchedDraft(
  edition: Pick<EditionRow, 'status' | 'version' | 'freeSections' | 'intro' | 'outro' | 'tags' | 'categoryOrder'> & { linkCount: number },
): boolean {
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

export type EditionsService = ReturnType<typeof createEditionsService>;
