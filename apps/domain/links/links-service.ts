import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { Link, LinkPatch, LinkQuery, LinkScope, LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { InboxWork, LinkStatsRepository } from '../../../db/repositories/link-stats-repository.ts';
import type { Actor } from '../accounts/roles.ts';
import type { CategoriesService } from '../categories/categories-service.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import type { Queue } from '../platform/queue.ts';
import { decodeCursor, encodeCursor } from './link-cursor.ts';
import { addSchema, idField, normalizeTags, querySchema, renderCommentary, tagsField, updateSchema } from './link-fields.ts';
import { createLinkTree, type Placement } from './link-tree.ts';
import { createLinkPlacement, describeDuplicates, unknownCategory, type Duplicate } from './link-placement.ts';
import { MetadataFetchError } from './safe-fetch.ts';
import { fetchPageMetadata } from './url-metadata.ts';
import { cleanUrl, normalizeUrl, parseLinkUrl } from './url-normalize.ts';
import { parseInput } from '../platform/validation.ts';

export type { InboxWork, Link, LinkScope };
export type { KnownUrl, LinkTree, Placement } from './link-tree.ts';
// The commentary renderer, for what shows a commentary as the inbox does.
export { renderCommentary } from './link-fields.ts';

export type { Duplicate };

// Links deleted longer ago than this cannot be restored any more and are purged.
export const UNDO_WINDOW_MS = 10 * 60 * 1000;

type Deps = {
  db: Database;
  links: LinksRepository;
  stats: LinkStatsRepository;
  categories: Pick<CategoriesService, 'get' | 'resolve' | 'findByName' | 'list'>;
  queue: Queue;
  clock: Clock;
  fetchAllowPrivate: boolean;
};

/** Link capture and organisation: the inbox, metadata, duplicates, ordering, search. */
export function createLinksService({ db, links, stats, categories, queue, clock, fetchAllowPrivate }: Deps) {
  const tree = createLinkTree({ db, links });
  const { relocate } = tree;

  const { findCategory, categoryById, resolveCategory, resolveParent } = createLinkPlacement({ db, links, categories });

  async function get({ id }: { id: string }): Promise<Link> {
    const link = idField.safeParse(id).success ? await links.findById(id) : undefined;
    if (!link) throw new NotFoundError('This link does not exist (or was deleted).');
    return link;
  }

  async function withChildren(list: Link[]): Promise<Array<Link & { children: Link[] }>> {
    const children = await links.childrenOf(list.map((link) => link.id));
    return list.map((link) => ({ ...link, children: children.filter((child) => child.parentId === link.id) }));
  }

  return {
    get,
    ...tree,

    /** Several links with their nested items, in no particular order. */
    async getMany({ ids }: { ids: string[] }): Promise<Array<Link & { children: Link[] }>> {
      return withChildren(await links.findByIds(ids.filter((id) => idField.safeParse(id).success)));
    },

    /** A link with its nested items. */
    async getWithChildren({ id }: { id: string }): Promise<Link & { children: Link[] }> {
      const [link] = await withChildren([await get({ id })]);
      return link!;
    },

    /** Saves a link at once and queues the fetch of its page's metadata; reports where else the URL appears. */
    async add({ actor, input }: { actor: Actor; input: Record<string, unknown> }): Promise<{ link: Link; duplicates: Duplicate[] }> {
      const values = parseInput(addSchema, input);
      const parent = await resolveParent(values.parentId);
      // A nested item lives in its parent's category, whatever the form says.
      const category = parent ? undefined : await resolveCategory(values, { create: true });
      const normalizedUrl = normalizeUrl(values.url);
      const categoryId = parent ? parent.categoryId : (category?.id ?? null);
      const id = await links.insert({
        url: cleanUrl(values.url),
        normalizedUrl,
        title: values.title || null,
        commentary: values.commentary ?? '',
        commentaryHtml: renderCommentary(values.commentary ?? ''),
        via: values.via || null,
        tags: values.tags ?? [],
        categoryId,
        editionId: parent?.editionId ?? null,
        parentId: parent?.id ?? null,
        // Newest first in its group (nested items go last, under their parent).
        position: await links.endPosition({ editionId: parent?.editionId ?? null, categoryId, parentId: parent?.id ?? null }, parent ? 'last' : 'first'),
        editedFields: values.title ? ['title'] : [],
        createdBy: actor.id,
      });
      await queue.send('links.fetch-metadata', { linkId: id });
      const [link, duplicates] = await Promise.all([get({ id }), links.findDuplicates(normalizedUrl, id)]);
      return { link, duplicates: describeDuplicates(duplicates) };
    },

    /** Where else a URL already appears, before it is even saved (the capture popup asks this). */
    async duplicatesOf({ url, excludeId }: { url: string; excludeId?: string }): Promise<Duplicate[]> {
      let normalized: string;
      try {
        normalized = normalizeUrl(parseLinkUrl(url));
      } catch {
        return [];
      }
      return describeDuplicates(await links.findDuplicates(normalized, excludeId));
    },

    /** Changes the fields given, and only those: two editors changing different fields both win. */
    async update({ id, input }: { id: string; input: Record<string, unknown> }): Promise<{ link: Link; duplicates: Duplicate[]; categoryChanged: boolean }> {
      const current = await get({ id });
      const values = parseInput(updateSchema, input);
      const patch: LinkPatch = {};
      const edited = new Set(current.editedFields);
      if (values.url && cleanUrl(values.url) !== current.url) {
        patch.url = cleanUrl(values.url);
        patch.normalizedUrl = normalizeUrl(values.url);
        patch.fetchStatus = 'pending';
        patch.fetchError = null;
      }
      if (values.title !== undefined) {
        patch.title = values.title || null;
        if (values.title) edited.add('title');
        else edited.delete('title');
      }
      for (const field of ['description', 'siteName'] as const) {
        if (values[field] !== undefined) {
          patch[field] = values[field] || null;
          if (values[field]) edited.add(field);
          else edited.delete(field);
        }
      }
      if (values.commentary !== undefined) {
        patch.commentary = values.commentary;
        patch.commentaryHtml = renderCommentary(values.commentary);
      }
      if (values.via !== undefined) patch.via = values.via || null;
      if (values.tags !== undefined) patch.tags = values.tags;
      const category = await resolveCategory(values, { create: true });
      const parent = await resolveParent(values.parentId, id);
      patch.editedFields = [...edited];
      let to: Placement | undefined;
      if (parent !== undefined && (parent?.id ?? null) !== current.parentId) to = { parentId: parent?.id ?? null, position: 'last' };
      // Filed into another category: to the end of it. A nested item stays in its parent's.
      else if (category !== undefined && (category?.id ?? null) !== current.categoryId && !current.parentId)
        to = { categoryId: category?.id ?? null, position: 'last' };
      await db.transaction(async (tx) => {
        await links.update(id, patch, tx);
        if (to) await relocate({ id, to }, tx);
      });
      if (patch.url) await queue.send('links.fetch-metadata', { linkId: id });
      const link = await get({ id });
      const duplicates = patch.normalizedUrl ? describeDuplicates(await links.findDuplicates(patch.normalizedUrl, id)) : [];
      return { link, duplicates, categoryChanged: link.categoryId !== current.categoryId };
    },

    /**
     * Moves a link between two neighbours (either may be absent: an end of the list), possibly
     * into another category. Only the moved row is written: its position becomes the midpoint.
     */
    async move({
      id,
      categoryId,
      beforeId,
      afterId,
    }: {
      id: string;
      categoryId?: string | null;
      beforeId?: string | null;
      afterId?: string | null;
    }): Promise<Link> {
      const current = await get({ id });
      const target = categoryId === undefined ? current.categoryId : categoryId || null;
      if (target) await categoryById(target, db);
      const neighbours = [beforeId, afterId].filter((value): value is string => Boolean(value) && idField.safeParse(value).success && value !== id);
      const positions = await links.positionsOf(neighbours);
      const previous = beforeId ? positions.get(beforeId) : undefined;
      const next = afterId ? positions.get(afterId) : undefined;
      let position: number | 'last' = 'last';
      if (previous !== undefined && next !== undefined) position = (previous + next) / 2;
      else if (previous !== undefined) position = previous + 1;
      else if (next !== undefined) position = next - 1;
      await db.transaction((tx) => relocate({ id, to: { categoryId: target, position } }, tx));
      return get({ id });
    },

    /** Soft-deletes links (and their nested items); they can be restored for a few minutes. */
    async remove({ ids }: { ids: string[] }): Promise<number> {
      const valid = ids.filter((id) => idField.safeParse(id).success);
      if (valid.length === 0) throw new NotFoundError('No such link.');
      const children = await links.childrenOf(valid);
      const count = await links.softDelete([...valid, ...children.map((child) => child.id)], clock.now());
      if (count === 0) throw new NotFoundError('This link does not exist (or was already deleted).');
      return count;
    },

    async restore({ id }: { id: string }): Promise<Link> {
      if (!idField.safeParse(id).success) throw new NotFoundError('No such link.');
      const deleted = await links.findById(id, { includeDeleted: true });
      if (!deleted || !deleted.deletedAt) throw new NotFoundError('This link cannot be restored.');
      await db.transaction(async (tx) => {
        await links.restore([id], tx);
        // Nested items deleted together with their parent come back with it.
        await links.restoreChildrenDeletedAt(id, deleted.deletedAt!, tx);
      });
      return get({ id });
    },

    /** Moves several links into a category (at its end, in the order given). */
    async bulkMove({ ids, categoryId, category }: { ids: string[]; categoryId?: string | null; category?: string }): Promise<number> {
      const target = await resolveCategory({ categoryId, category }, { create: false });
      if (target === undefined)
        throw new ValidationError('Choose a category.', { categoryId: 'Choose a category.' }, { fieldCodes: { categoryId: 'category_required' } });
      let moved = 0;
      for (const id of ids.filter((value) => idField.safeParse(value).success)) {
        const link = await links.findById(id);
        if (!link) continue;
        await this.move({ id, categoryId: target?.id ?? null });
        moved += 1;
      }
      return moved;
    },

    async bulkTag({ ids, tags: tagsInput }: { ids: string[]; tags: unknown }): Promise<number> {
      const tags = parseInput(z.object({ tags: tagsField }), { tags: tagsInput }).tags ?? [];
      if (tags.length === 0) throw new ValidationError('Type at least one tag.', { tags: 'Type at least one tag.' }, { fieldCodes: { tags: 'tags_required' } });
      return links.addTags(
        ids.filter((value) => idField.safeParse(value).success),
        tags,
      );
    },

    /** One action on the links selected in the inbox: move them into a category, tag them or delete them. */
    async bulk({
      action,
      ids,
      categoryId,
      tags,
    }: {
      action?: string;
      ids: string[];
      categoryId?: string;
      tags?: string;
    }): Promise<{ action: 'move' | 'tag' | 'delete'; count: number }> {
      if (ids.length === 0) throw new ValidationError('Select at least one link first.', {}, { code: 'no_selection' });
      if (action === 'move') return { action, count: await this.bulkMove({ ids, categoryId: categoryId ?? '' }) };
      if (action === 'tag') return { action, count: await this.bulkTag({ ids, tags: tags ?? '' }) };
      if (action === 'delete') return { action, count: await this.remove({ ids }) };
      throw new ValidationError('Choose what to do with the selected links.', {}, { code: 'no_action' });
    },

    /** Links for a screen or the API: filters, full-text search (ranked, highlighted), pagination. */
    async list(
      input: Record<string, unknown>,
    ): Promise<{ links: Array<Link & { children: Link[] }>; nextCursor: string | null; query: z.output<typeof querySchema> }> {
      const query = parseInput(querySchema, input, 'Invalid filter.', 'invalid_filter');
      let categoryId: string | null | undefined;
      if (query.category === 'none') categoryId = null;
      else if (query.category) {
        const found = idField.safeParse(query.category).success ? await findCategory(query.category) : await categories.findByName({ name: query.category });
        if (!found)
          throw new ValidationError(
            'Unknown category.',
            { category: `There is no category "${query.category}".` },
            unknownCategory('category', query.category),
          );
        categoryId = found.id;
      }
      const q = query.q?.trim() || undefined;
      const cursor = decodeCursor(query.cursor);
      const order: LinkQuery['order'] = q ? 'rank' : 'recent';
      const found = await links.list({
        scope: query.status,
        categoryId,
        tag: query.tag ? normalizeTags(query.tag)[0] : undefined,
        q,
        limit: query.limit + 1,
        order,
        before: cursor && 'createdAt' in cursor ? cursor : undefined,
        offset: cursor && 'offset' in cursor ? cursor.offset : undefined,
      });
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      let nextCursor: string | null = null;
      if (found.length > query.limit && last) {
        nextCursor = encodeCursor(
          order === 'rank' ? { offset: (cursor && 'offset' in cursor ? cursor.offset : 0) + query.limit } : { createdAt: last.createdAt, id: last.id },
        );
      }
      return { links: await withChildren(page), nextCursor, query };
    },

    /**
     * The inbox as editors work on it: every category's links in their order, with counts. With
     * `firstRows`, only that many links are read, "To sort" first then category by category (what
     * the page draws), and each group says how many it holds in all (`size`).
     */
    async inbox({ limitPerPage = 500, firstRows }: { limitPerPage?: number; firstRows?: number } = {}) {
      const [allCategories, counts, list] = await Promise.all([
        categories.list(),
        links.inboxCounts(),
        firstRows === undefined ? links.list({ scope: 'inbox', limit: limitPerPage, order: 'position' }) : links.inboxFirstRows(firstRows),
      ]);
      const withNested = await withChildren(list);
      const known = new Set(allCategories.map((category) => category.id));
      // New links land in "To sort", first, with those of archived categories; then each category in its order.
      const sorted = (categoryId: string | null) => !categoryId || !known.has(categoryId);
      const groups = [
        { category: null, links: withNested.filter((link) => sorted(link.categoryId)) },
        ...allCategories.map((category) => ({ category, links: withNested.filter((link) => link.categoryId === category.id) })),
      ];
      const countOf = (id: string | null) => counts.byCategory.find((row) => row.categoryId === id)?.count ?? 0;
      const toSortSize = counts.byCategory.filter((row) => sorted(row.categoryId)).reduce((sum, row) => sum + row.count, 0);
      return {
        categories: allCategories,
        groups: groups.map((group) => ({
          ...group,
          count: countOf(group.category?.id ?? null),
          size: group.category ? countOf(group.category.id) : toSortSize,
        })),
        total: counts.total,
        needsWork: counts.needsWork,
        // How many links the whole list would hold (the first limitPerPage), read or not.
        shown: firstRows === undefined ? list.length : Math.min(counts.total, limitPerPage),
      };
    },

    /** How many links the inbox holds (top-level ones), by category, and how many need work. */
    inboxCounts: () => links.inboxCounts(),

    /** What the inbox's links still need (a commentary, a category, their page): the dashboard's to-do. */
    inboxWork: () => stats.inboxWork(),

    /** Tags of the links in the inbox, for its filter. */
    inboxTags: () => links.inboxTagCounts(),

    /** Every link that is not deleted, nested ones included, in position order: what an export reads. */
    listAllForExport: () => links.listAllForExport(),

    /** Fetches a link's page and stores its metadata (the job behind quick-add); a failure is recorded, not thrown. */
    async fetchMetadata({ linkId }: { linkId: string }): Promise<void> {
      const link = await links.findById(linkId);
      if (!link) return;
      try {
        const metadata = await fetchPageMetadata(link.url, { allowPrivate: fetchAllowPrivate });
        await links.applyMetadata(linkId, metadata, clock.now());
      } catch (error) {
        if (error instanceof MetadataFetchError) {
          await links.markFetchFailed(linkId, error.reason, clock.now());
          return;
        }
        throw error;
      }
    },

    /** Queues a new metadata fetch (the "retry" button beside a failed one). */
    async refetch({ id }: { id: string }): Promise<Link> {
      await get({ id });
      await links.update(id, { fetchStatus: 'pending', fetchError: null });
      await queue.send('links.fetch-metadata', { linkId: id });
      return get({ id });
    },

    /** Removes links deleted longer ago than the undo window; run by the maintenance job. */
    purgeDeleted: () => links.purgeDeleted(new Date(clock.now().getTime() - UNDO_WINDOW_MS)),
  };
}

export type LinksService = ReturnType<typeof createLinksService>;
