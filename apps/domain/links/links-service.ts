import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { CategoriesRepository, Category } from '../../../db/repositories/categories-repository.ts';
import { MARK_END, MARK_START, type Link, type LinkPatch, type LinkQuery, type LinkScope, type LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { User } from '../../../db/repositories/users-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { renderMarkdown, renderMarkdownInline } from '../platform/markdown.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { escapeHtml } from '../platform/html.ts';
import { editionPath } from '../editions/periods.ts';
import type { Queue } from '../platform/queue.ts';
import { fetchPageMetadata, MetadataFetchError } from './url-metadata.ts';
import { cleanUrl, normalizeUrl, parseLinkUrl } from './url-normalize.ts';
import { emailField, hasControlCharacters, parseInput, stripControlCharacters } from '../platform/validation.ts';

export type { Link, LinkScope };

/** Where else a URL appears: in the inbox, or in an edition (with its public address when published). */
export type Duplicate = {
  id: string;
  title: string;
  where: 'inbox' | 'edition';
  edition: { period: string; title: string; status: string; path: string | null } | null;
};

export const LINK_SCOPES = ['inbox', 'needs_work', 'fetch_failed', 'in_edition', 'published', 'all'] as const;
const MAX_TAGS = 20;
// Links deleted longer ago than this cannot be restored any more and are purged.
export const UNDO_WINDOW_MS = 10 * 60 * 1000;

const optionalText = (label: string, max: number) =>
  z
    .string({ error: `${label} must be text.` })
    .max(max, { error: `${label} must be at most ${max} characters.` })
    .transform((value) => value.trim())
    .optional();

/** Tags as typed ("Time Series, #postgres") become slugs: lower case, dashes, no '#'. */
export function normalizeTags(input: unknown): string[] {
  const raw = Array.isArray(input) ? input : typeof input === 'string' ? input.split(',') : [];
  const tags = raw
    .filter((value): value is string => typeof value === 'string')
    .map((value) =>
      value
        .trim()
        .replace(/^#+/, '')
        .toLowerCase()
        .replace(/[\s_]+/g, '-')
        .replace(/-{2,}/g, '-')
        .replace(/^-|-$/g, ''),
    )
    .filter(Boolean);
  return [...new Set(tags)];
}

const tagsField = z
  .union([z.array(z.string()), z.string()], { error: 'Tags must be a list of words.' })
  .transform(normalizeTags)
  .refine((tags) => tags.length <= MAX_TAGS, { error: `At most ${MAX_TAGS} tags.` })
  .refine((tags) => tags.every((tag) => tag.length <= 40 && /^[\p{L}\p{N}][\p{L}\p{N}.+#-]*$/u.test(tag)), {
    error: 'Tags may contain letters, digits, dots, plus signs and dashes, 40 characters at most.',
  })
  .optional();

const urlField = z.string({ error: 'URL is required.' }).transform((value, context) => {
  try {
    return parseLinkUrl(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof ValidationError ? (error.fields.url ?? error.message) : 'Enter a valid URL.' });
    return z.NEVER;
  }
});

const idField = z.uuid({ error: 'Unknown id.' });

const linkFields = {
  // Long enough for the reference archive, where a whole sentence serves as a title (583 characters).
  title: optionalText('Title', 1000).refine((value) => value === undefined || !hasControlCharacters(value), { error: 'Title contains invalid characters.' }),
  commentary: optionalText('Commentary', 20_000).transform((value) => (value === undefined ? value : stripControlCharacters(value.replace(/\r\n?/g, '\n')))),
  via: optionalText('Via', 300),
  tags: tagsField,
  category: optionalText('Category', 100),
  categoryId: z.union([idField, z.literal(''), z.null()]).optional(),
  parentId: z.union([idField, z.literal(''), z.null()]).optional(),
};

const addSchema = z.object({ url: urlField, ...linkFields });
const updateSchema = z.object({ url: urlField.optional(), description: optionalText('Description', 2000), siteName: optionalText('Site name', 200), ...linkFields });

// The address of a mailto: URL, decoded; '' when it cannot be decoded.
function mailtoAddress(url: string): string {
  try {
    return decodeURIComponent(url.slice('mailto:'.length).split('?')[0] ?? '');
  } catch {
    return '';
  }
}

/**
 * A link's URL as Veille keeps it, for imports of what Veille itself wrote: the form's rules
 * (http or https, a domain, no credentials), written in full; or a mailto: address, which
 * imported Markdown may hold. The URL is kept as written.
 */
const storedUrlField = z.string({ error: 'URL is required.' }).transform((value, context) => {
  const url = value.trim();
  if (/^mailto:/i.test(url)) {
    if (emailField.safeParse(mailtoAddress(url)).success) return url;
    context.addIssue({ code: 'custom', message: 'A mailto: link must name one valid address.' });
    return z.NEVER;
  }
  const parsed = urlField.safeParse(url);
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'Enter a valid URL.' });
    return z.NEVER;
  }
  if (!/^https?:\/\//i.test(url)) {
    context.addIssue({ code: 'custom', message: 'The address must be written in full, starting with https:// or http://.' });
    return z.NEVER;
  }
  return url;
});

/** The rules a link's fields follow in the forms and the API, for the imports that bring links in. */
export const linkFieldRules = {
  url: storedUrlField,
  title: linkFields.title,
  commentary: linkFields.commentary,
  via: linkFields.via,
  tags: linkFields.tags,
  description: updateSchema.shape.description,
  siteName: updateSchema.shape.siteName,
};
const querySchema = z.object({
  status: z.enum(LINK_SCOPES, { error: `Status must be one of ${LINK_SCOPES.join(', ')}.` }).default('inbox'),
  category: z.string().max(100).optional(),
  tag: z.string().max(40).optional(),
  q: z.string().max(200, { error: 'Search must be at most 200 characters.' }).optional(),
  limit: z.coerce.number({ error: 'Limit must be a number.' }).int().min(1, { error: 'Limit must be between 1 and 200.' }).max(200, { error: 'Limit must be between 1 and 200.' }).default(50),
  cursor: z.string().max(200).optional(),
});

type Deps = { db: Database; links: LinksRepository; categories: CategoriesRepository; queue: Queue; clock: Clock; fetchAllowPrivate: boolean };

/** A commentary as HTML: one paragraph renders inline (it follows "Title :"), several as blocks. */
export function renderCommentary(source: string): string {
  const trimmed = source.trim();
  return trimmed.includes('\n') ? renderMarkdown(trimmed) : renderMarkdownInline(trimmed);
}

/** Escapes text for HTML, then turns search highlight markers into <mark> elements. */
export function highlightToHtml(text: string): string {
  const escaped = escapeHtml(text);
  return escaped.split(MARK_START).join('<mark>').split(MARK_END).join('</mark>');
}


/** Link capture and organisation: the inbox, metadata, duplicates, ordering, search. */
export function createLinksService({ db, links, categories, queue, clock, fetchAllowPrivate }: Deps) {
  async function resolveCategory(input: { category?: string; categoryId?: string | null }, options: { create: boolean }): Promise<Category | null | undefined> {
    if (input.categoryId === '' || input.categoryId === null) return null;
    if (input.categoryId) {
      const found = await categories.findById(input.categoryId);
      if (!found) throw new ValidationError('Unknown category.', { categoryId: 'This category does not exist.' });
      return found;
    }
    if (input.category === undefined) return undefined;
    if (input.category === '') return null;
    const existing = await categories.findByName(input.category);
    if (existing) {
      if (existing.archivedAt) await categories.update(existing.id, { archivedAt: null });
      return existing;
    }
    if (!options.create) throw new ValidationError('Unknown category.', { category: `There is no category named "${input.category}".` });
    return categories.insertOrGet({ name: input.category, position: await categories.nextPosition() });
  }

  async function resolveParent(parentId: string | null | undefined, selfId?: string): Promise<Link | null | undefined> {
    if (parentId === undefined) return undefined;
    if (parentId === '' || parentId === null) return null;
    if (parentId === selfId) throw new ValidationError('A link cannot be nested under itself.', { parentId: 'A link cannot be nested under itself.' });
    const parent = await links.findById(parentId);
    if (!parent) throw new ValidationError('Unknown parent link.', { parentId: 'The parent link does not exist.' });
    if (parent.parentId) throw new ValidationError('Links nest one level deep.', { parentId: 'Choose a top-level link as the parent.' });
    return parent;
  }

  function describeDuplicates(found: Link[]): Duplicate[] {
    return found.map((link) => ({
      id: link.id,
      title: link.title ?? link.url,
      where: link.edition ? 'edition' : 'inbox',
      edition: link.edition
        ? { period: link.edition.period, title: link.edition.title, status: link.edition.status, path: link.edition.status === 'published' ? editionPath(link.edition) : null }
        : null,
    }));
  }

  async function get(id: string): Promise<Link> {
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

    /** Several links with their nested items, in no particular order. */
    async getMany(ids: string[]): Promise<Array<Link & { children: Link[] }>> {
      return withChildren(await links.findByIds(ids.filter((id) => idField.safeParse(id).success)));
    },

    /** A link with its nested items. */
    async getWithChildren(id: string): Promise<Link & { children: Link[] }> {
      const [link] = await withChildren([await get(id)]);
      return link!;
    },

    /** Saves a link at once and queues the fetch of its page's metadata; reports where else the URL appears. */
    async add(input: Record<string, unknown>, actor: Pick<User, 'id'>): Promise<{ link: Link; duplicates: Duplicate[] }> {
      const values = parseInput(addSchema, input);
      const category = await resolveCategory(values, { create: true });
      const parent = await resolveParent(values.parentId);
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
        position: await links.endPosition({ editionId: parent?.editionId ?? null, categoryId, parentId: parent?.id ?? null }, db, parent ? 'last' : 'first'),
        editedFields: values.title ? ['title'] : [],
        createdBy: actor.id,
      });
      await queue.send('links.fetch-metadata', { linkId: id });
      const [link, duplicates] = await Promise.all([get(id), links.findDuplicates(normalizedUrl, id)]);
      return { link, duplicates: describeDuplicates(duplicates) };
    },

    /** Where else a URL already appears, before it is even saved (the capture popup asks this). */
    async duplicatesOf(url: string, excludeId?: string): Promise<Duplicate[]> {
      let normalized: string;
      try {
        normalized = normalizeUrl(parseLinkUrl(url));
      } catch {
        return [];
      }
      return describeDuplicates(await links.findDuplicates(normalized, excludeId));
    },

    /** Changes the fields given, and only those: two editors changing different fields both win. */
    async update(id: string, input: Record<string, unknown>): Promise<{ link: Link; duplicates: Duplicate[] }> {
      const current = await get(id);
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
      if (parent !== undefined && (parent?.id ?? null) !== current.parentId) {
        patch.parentId = parent?.id ?? null;
        patch.categoryId = parent ? parent.categoryId : current.categoryId;
        patch.position = await links.endPosition({ editionId: current.editionId, categoryId: patch.categoryId, parentId: patch.parentId });
      } else if (category !== undefined && (category?.id ?? null) !== current.categoryId) {
        patch.categoryId = category?.id ?? null;
        if (!current.parentId) patch.position = await links.endPosition({ editionId: current.editionId, categoryId: patch.categoryId });
      }
      patch.editedFields = [...edited];
      await db.transaction(async (tx) => {
        await links.update(id, patch, tx);
        // Children follow their parent into its new category.
        if (patch.categoryId !== undefined && !current.parentId) {
          const children = await links.childrenOf([id], tx);
          await links.updateMany(children.map((child) => child.id), { categoryId: patch.categoryId }, tx);
        }
      });
      if (patch.url) await queue.send('links.fetch-metadata', { linkId: id });
      const link = await get(id);
      return { link, duplicates: patch.normalizedUrl ? describeDuplicates(await links.findDuplicates(patch.normalizedUrl, id)) : [] };
    },

    /**
     * Moves a link between two neighbours (either may be absent: an end of the list), possibly
     * into another category. Only the moved row is written: its position becomes the midpoint.
     */
    async move(id: string, input: { categoryId?: string | null; beforeId?: string | null; afterId?: string | null }): Promise<Link> {
      const current = await get(id);
      const categoryId = input.categoryId === undefined ? current.categoryId : input.categoryId || null;
      if (categoryId && !(await categories.findById(categoryId))) throw new ValidationError('Unknown category.', { categoryId: 'This category does not exist.' });
      const neighbours = [input.beforeId, input.afterId].filter((value): value is string => Boolean(value) && idField.safeParse(value).success && value !== id);
      const positions = await links.positionsOf(neighbours);
      const previous = input.beforeId ? positions.get(input.beforeId) : undefined;
      const next = input.afterId ? positions.get(input.afterId) : undefined;
      let position: number;
      if (previous !== undefined && next !== undefined) position = (previous + next) / 2;
      else if (previous !== undefined) position = previous + 1;
      else if (next !== undefined) position = next - 1;
      else position = await links.endPosition({ editionId: current.editionId, categoryId, parentId: current.parentId });
      await db.transaction(async (tx) => {
        await links.update(id, { categoryId, position }, tx);
        if (categoryId !== current.categoryId && !current.parentId) {
          const children = await links.childrenOf([id], tx);
          await links.updateMany(children.map((child) => child.id), { categoryId }, tx);
        }
      });
      return get(id);
    },

    /** Soft-deletes links (and their nested items); they can be restored for a few minutes. */
    async remove(ids: string[]): Promise<number> {
      const valid = ids.filter((id) => idField.safeParse(id).success);
      if (valid.length === 0) throw new NotFoundError('No such link.');
      const children = await links.childrenOf(valid);
      const count = await links.softDelete([...valid, ...children.map((child) => child.id)], clock.now());
      if (count === 0) throw new NotFoundError('This link does not exist (or was already deleted).');
      return count;
    },

    async restore(id: string): Promise<Link> {
      if (!idField.safeParse(id).success) throw new NotFoundError('No such link.');
      const deleted = await links.findById(id, db, { includeDeleted: true });
      if (!deleted || !deleted.deletedAt) throw new NotFoundError('This link cannot be restored.');
      await db.transaction(async (tx) => {
        await links.restore([id], tx);
        // Nested items deleted together with their parent come back with it.
        await links.restoreChildrenDeletedAt(id, deleted.deletedAt!, tx);
      });
      return get(id);
    },

    /** Moves several links into a category (at its end, in the order given). */
    async bulkMove(ids: string[], input: { categoryId?: string | null; category?: string }): Promise<number> {
      const category = await resolveCategory(input, { create: false });
      if (category === undefined) throw new ValidationError('Choose a category.', { categoryId: 'Choose a category.' });
      let moved = 0;
      for (const id of ids.filter((value) => idField.safeParse(value).success)) {
        const link = await links.findById(id);
        if (!link) continue;
        await this.move(id, { categoryId: category?.id ?? null });
        moved += 1;
      }
      return moved;
    },

    async bulkTag(ids: string[], tagsInput: unknown): Promise<number> {
      const tags = parseInput(z.object({ tags: tagsField }), { tags: tagsInput }).tags ?? [];
      if (tags.length === 0) throw new ValidationError('Type at least one tag.', { tags: 'Type at least one tag.' });
      return links.addTags(ids.filter((value) => idField.safeParse(value).success), tags);
    },

    /** Links for a screen or the API: filters, full-text search (ranked, highlighted), pagination. */
    async list(input: Record<string, unknown>): Promise<{ links: Array<Link & { children: Link[] }>; nextCursor: string | null; query: z.output<typeof querySchema> }> {
      const query = parseInput(querySchema, input, 'Invalid filter.');
      let categoryId: string | null | undefined;
      if (query.category === 'none') categoryId = null;
      else if (query.category) {
        const found = idField.safeParse(query.category).success ? await categories.findById(query.category) : await categories.findByName(query.category);
        if (!found) throw new ValidationError('Unknown category.', { category: `There is no category "${query.category}".` });
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
        nextCursor = encodeCursor(order === 'rank' ? { offset: (cursor && 'offset' in cursor ? cursor.offset : 0) + query.limit } : { createdAt: last.createdAt, id: last.id });
      }
      return { links: await withChildren(page), nextCursor, query };
    },

    /** The inbox as editors work on it: every category's links in their order, with counts. */
    async inbox(options: { limitPerPage?: number } = {}) {
      const [allCategories, counts, list] = await Promise.all([
        categories.list(),
        links.inboxCounts(),
        links.list({ scope: 'inbox', limit: options.limitPerPage ?? 500, order: 'position' }),
      ]);
      const withNested = await withChildren(list);
      // New links land in "To sort", first; then each category in its order.
      const groups = [
        { category: null, links: withNested.filter((link) => !link.categoryId || !allCategories.some((category) => category.id === link.categoryId)) },
        ...allCategories.map((category) => ({ category, links: withNested.filter((link) => link.categoryId === category.id) })),
      ];
      const countOf = (id: string | null) => counts.byCategory.find((row) => row.categoryId === id)?.count ?? 0;
      return {
        groups: groups.map((group) => ({ ...group, count: countOf(group.category?.id ?? null) })),
        total: counts.total,
        needsWork: counts.needsWork,
        shown: list.length,
      };
    },

    /** Tags of the links in the inbox, for its filter. */
    inboxTags: () => links.inboxTagCounts(),

    /** Fetches a link's page and stores its metadata (the job behind quick-add); a failure is recorded, not thrown. */
    async fetchMetadata(linkId: string): Promise<void> {
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
    async refetch(id: string): Promise<Link> {
      await get(id);
      await links.update(id, { fetchStatus: 'pending', fetchError: null });
      await queue.send('links.fetch-metadata', { linkId: id });
      return get(id);
    },

    /** Removes links deleted longer ago than the undo window; run by the maintenance job. */
    purgeDeleted: () => links.purgeDeleted(new Date(clock.now().getTime() - UNDO_WINDOW_MS)),
  };
}

type Cursor = { createdAt: Date; id: string } | { offset: number };

function encodeCursor(cursor: Cursor): string {
  const value = 'offset' in cursor ? { o: cursor.offset } : { t: cursor.createdAt.toISOString(), i: cursor.id };
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; t?: unknown; i?: unknown };
    if (typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0) return { offset: value.o };
    if (typeof value.t === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.t)) && idField.safeParse(value.i).success) {
      return { createdAt: new Date(value.t), id: value.i };
    }
  } catch {
    // Fall through to the error below.
  }
  throw new ValidationError('Invalid cursor.', { cursor: 'This cursor is not one the API gave out.' });
}

export type LinksService = ReturnType<typeof createLinksService>;
