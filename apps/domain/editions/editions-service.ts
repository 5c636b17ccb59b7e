import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { CategoriesRepository } from '../../../db/repositories/categories-repository.ts';
import type { EditionPatch, EditionRow, EditionsRepository } from '../../../db/repositories/editions-repository.ts';
import type { LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { wordsFor } from '../platform/locales/index.ts';
import { assembleDocument, isUntouchedDraft, refuseEmptyEdition } from './edition-document.ts';
import type { EditionDocument, NewsletterInfo } from './edition-types.ts';
import {
  applyBlockAction,
  blockKey,
  categoryBlocks,
  describeBlock,
  mergeBlockTexts,
  parseBlockAction,
  readBlocks,
  refuseRepeatedCategories,
  reorderBlocks,
  toStored,
  type StoredBlock,
} from './edition-blocks.ts';
import { storedBlocks, type ResolvedBlock } from './edition-document-input.ts';
import { createDocumentWriter } from './edition-put.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { updateSchema } from './edition-fields.ts';
import type { LinksService } from '../links/links-service.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import { editionPath, parsePeriod, periodOf, slugify, zonedTimeToUtc } from './periods.ts';
import type { SettingsService } from './settings-service.ts';
import { editionTitle, titlePreview, type TitlePreviewInput } from './edition-title.ts';
import type { EventSink } from '../webhooks/webhook-events.ts';
import { parseInput } from '../platform/validation.ts';

export type { EditionDocument, EditionRow };
export { editionFieldRules } from './edition-fields.ts';
export { editionTitle } from './edition-title.ts';
export { zonedTimeToUtc } from './periods.ts';

/** Which edition a method acts on: by id, or by its period ('2024-06', '2024-W07'). */
export type EditionRef = { id: string; period?: undefined } | { period: string; id?: undefined };

/** The reference an id-or-period string makes: an id when it is a UUID, a period otherwise. */
export function editionRef(idOrPeriod: string): EditionRef {
  return z.uuid().safeParse(idOrPeriod).success ? { id: idOrPeriod } : { period: idOrPeriod };
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
    return editionTitle(current, period);
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

  /** The categories of blocks resolved (by id, or by name: found or created), refused with the block named. */
  async function resolveBlocks(raw: unknown, tx: DbOrTx): Promise<ResolvedBlock[]> {
    const read = readBlocks(raw);
    const known = new Set((await categories.list({ includeArchived: true }, tx)).map((category) => category.id));
    const resolved: ResolvedBlock[] = [];
    for (const [index, block] of read.entries()) {
      if (block.kind === 'text') {
        resolved.push({ kind: 'text', id: block.id, heading: block.heading, body: block.body });
        continue;
      }
      let categoryId: string | null;
      if (block.categoryId !== undefined) {
        if (block.categoryId !== null && !known.has(block.categoryId))
          throw new ValidationError(`${describeBlock(index, block)}: there is no category with the id ${block.categoryId}.`, {
            [`blocks.${index}.categoryId`]: 'There is no such category.',
          });
        categoryId = block.categoryId;
      } else if (block.category === null || block.category === undefined) categoryId = null;
      else categoryId = (await categoryNames.resolve({ name: block.category }, tx)).category.id;
      const { intro, outro, keepEmpty, links: listed } = block;
      resolved.push({ kind: 'category', categoryId, intro, outro, keepEmpty, ...(listed ? { links: listed } : {}) });
    }
    refuseRepeatedCategories(resolved, (index) => describeBlock(index, read[index]));
    return resolved;
  }

  /** Writes checked changes if the edition is still at `version`; keeps the old permalink of a published edition whose slug changes. */
  async function applyUpdate(
    current: EditionRow,
    { version, changes, blocks }: { version: number; changes: Omit<EditionPatch, 'blocks'>; blocks?: StoredBlock[] },
    tx: DbOrTx,
  ): Promise<EditionRow> {
    if (changes.slug && changes.slug !== current.slug && (await editions.slugTaken(changes.slug, current.id, tx))) {
      throw new ValidationError('Another edition uses this slug.', { slug: 'Another edition uses this slug.' }, { fieldCodes: { slug: 'taken' } });
    }
    const patch: EditionPatch = { ...changes, ...(blocks ? { blocks } : {}) };
    if (current.status === 'published') patch.correctedAt = clock.now();
    const updated = await editions.updateIfVersion(current.id, version, patch, tx);
    if (!updated) {
      const latest = await find({ id: current.id });
      throw new ConflictError(
        `Someone else saved this edition meanwhile (it is now at version ${latest.version}, you started from version ${version}). Your text is kept below: copy what you need, then reload to see their changes.`,
        { code: 'edition.changed' },
      );
    }
    // Readers, emails and feeds know the edition by its path since it was first published.
    if (current.publishedAt && editionPath(updated) !== editionPath(current)) await editions.keepPath(current.id, editionPath(current), tx);
    return updated;
  }

  const writer = createDocumentWriter({ db, editions, links, linkTree, find, create, document, resolveBlocks, applyUpdate });

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

    /** The title the current period's edition would get from settings being typed (the settings form's live preview). */
    titlePreview: (input: TitlePreviewInput) => titlePreview({ settings, clock }, input),

    /** The draft of a period (the current one by default), created when missing. */
    async ensureDraft(input: { period?: string } = {}): Promise<EditionRow> {
      const target = input.period ?? (await this.currentPeriod());
      if (!parsePeriod(target)) throw new ValidationError('Periods look like 2024-06 (monthly) or 2024-W07 (weekly).', { period: 'Use YYYY-MM or YYYY-Www.' });
      return (await editions.findByPeriod(target)) ?? create(target);
    },

    list: () => editions.listAll(),

    /**
     * Changes the edition if nobody else saved it since `input.version`; a published one is marked
     * corrected, and a slug change keeps the old permalink answering. `input.blocks` carries the
     * editor's texts of its blocks: they are written into the blocks in their stored order (a
     * reorder saved meanwhile stays), a block new to the edition goes after the one it followed.
     */
    async update(ref: EditionRef & { input: Record<string, unknown> }): Promise<EditionRow> {
      const current = await find(ref);
      const values = parseInput(updateSchema, ref.input);
      return db.transaction(async (tx) => {
        const { version, blocks: rawBlocks, ...changes } = values;
        let blocks: StoredBlock[] | undefined;
        if (rawBlocks !== undefined) {
          const posted = storedBlocks(await resolveBlocks(rawBlocks, tx));
          // Merged into the blocks as they are now: a move saved while this request ran stays.
          const locked = (await editions.lockById(current.id, tx)) ?? current;
          blocks = mergeBlockTexts(toStored((await document({ edition: locked, tx })).blocks), posted);
        }
        return applyUpdate(current, { version, changes, blocks }, tx);
      });
    },

    /**
     * Moves, removes or adds a block ("up:<key>", "down:<key>", "remove:<key>", "add-category:<id>",
     * "add-text:<key after>"), or puts the blocks in the order of `order` (their keys; blocks not
     * listed keep their place after the listed ones). Not a text change: the version stays, so an
     * editor's open form keeps saving.
     */
    async arrange(ref: EditionRef & { action?: string; order?: string[] }): Promise<EditionRow> {
      const current = await find(ref);
      const action = parseBlockAction(ref.action);
      return db.transaction(async (tx) => {
        // The blocks as they are now, locked: a text save running meanwhile merges into this result.
        const doc = await document({ edition: (await editions.lockById(current.id, tx)) ?? current, tx });
        let blocks = toStored(doc.blocks);
        if (ref.order) blocks = reorderBlocks(blocks, ref.order);
        if (action) {
          const known = new Set((await categories.list({ includeArchived: true }, tx)).map((category) => category.id));
          if (action.kind === 'add-category' && !known.has(action.categoryId)) throw new NotFoundError('There is no such category.');
          // A heading readers see if nobody renames it: in the newsletter's language.
          const heading = wordsFor((await settings.get()).locale).edition.newSection;
          blocks = applyBlockAction(blocks, action, {
            text: (id) => ({ kind: 'text', id, heading, body: '' }),
            category: (categoryId) => ({ kind: 'category', categoryId, intro: '', outro: '', keepEmpty: true }),
          });
          const holding = categoryBlocks(doc).filter((block) => block.links.length > 0 && !blocks.some((kept) => blockKey(kept) === blockKey(block)));
          if (holding[0])
            throw new ValidationError(
              `The section “${holding[0].name}” holds links: send them back to the inbox (or into another section) before removing it.`,
            );
        }
        await editions.setBlocks(current.id, blocks, tx);
        return current;
      });
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
        // A category new to the edition gets its block where readers will see it, and keeps it when emptied.
        if (added > 0) await editions.setBlocks(edition.id, toStored((await document({ edition, tx })).blocks), tx);
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
      if (!when)
        throw new ValidationError(
          'Give a date and a time, such as 2024-06-30 18:00.',
          { scheduledAt: 'Give a date and a time.' },
          { code: 'edition.schedule-missing', fieldCodes: { scheduledAt: 'missing' } },
        );
      if (when.getTime() <= clock.now().getTime())
        throw new ValidationError(
          'This time is in the past: choose a later one, or publish now.',
          { scheduledAt: 'This time is in the past.' },
          { code: 'edition.schedule-past', fieldCodes: { scheduledAt: 'past' } },
        );
      if (edition.status === 'published') throw new ConflictError('This edition is already published.', { code: 'edition.already-published' });
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

    /** Creates or replaces an edition from the JSON API's document (blocks, or the older sections and free sections). */
    put: writer.put,

    /** A published edition by its permalink. */
    async published({ year, part, slug }: { year: string; part: string; slug: string }): Promise<EditionRow> {
      const row = await editions.findBySlug(slug);
      if (!row || row.status !== 'published' || editionPath(row) !== `/${year}/${part}/${slug}`) throw new NotFoundError('There is no such edition.');
      return row;
    },

    /** Where a published edition that answered at `path` before (its slug changed since) is now; undefined when none did. */
    async movedTo({ path }: { path: string }): Promise<string | undefined> {
      const row = await editions.findByEarlierPath(path);
      return row && row.status === 'published' && editionPath(row) !== path ? editionPath(row) : undefined;
    },

    /** The paths an edition answered at before its slug changed, oldest first. */
    earlierPaths: ({ id }: { id: string }) => editions.earlierPaths(id),

    /** Keeps paths an edition answered at elsewhere (an import brings them), so that they redirect to it. */
    async keepEarlierPaths({ id, paths }: { id: string; paths: string[] }, tx: DbOrTx = db): Promise<void> {
      const row = await editions.findById(id, tx);
      if (!row) throw new NotFoundError('There is no such edition.');
      const current = editionPath(row);
      for (const path of paths) if (path !== current && /^\/\d{4}\/(?:\d{2}|W\d{2})\/[a-z0-9-]{1,120}$/.test(path)) await editions.keepPath(id, path, tx);
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

export type EditionsService = ReturnType<typeof createEditionsService>;
