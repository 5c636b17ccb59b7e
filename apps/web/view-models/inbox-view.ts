import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import type { AdminWords } from '../admin-locales/index.ts';
import { linkView } from './link-view.ts';

/** The inbox's filters, as its search form sends them (the service checks their values). */
export const inboxFilters = z.object({
  q: z.string().optional(),
  category: z.string().optional(),
  tag: z.string().optional(),
  status: z.string().optional(),
  cursor: z.string().max(200).optional(),
});

// Results drawn at a time, as many as the inbox's first rows (about a screenful and a half, the
// best first); "Show more results" brings the next ones.
export const RESULTS_PAGE = 30;

// The rows drawn with the page, "To sort" first then each category in its order: about a screenful
// and a half. The others come on demand, a group at a time ("Show the other N").
export const FIRST_ROWS = 30;

/** The query of a group's rows left out of the page: the group ("none" for "To sort") and how many it already shows. */
export const groupRowsQuery = z.object({ category: z.string().max(100), offset: z.coerce.number().int().min(0).max(10_000) });

/** The inbox page: every category's links in their order, or the ranked results of a search or filter. */
export async function inboxPage({ links, categories }: Pick<Services, 'links' | 'categories'>, query: unknown): Promise<Record<string, unknown>> {
  const filters = inboxFilters.parse(query ?? {});
  const filtering = Boolean(filters.q?.trim() || filters.category || filters.tag || (filters.status && filters.status !== 'inbox'));
  if (!filtering) {
    // Only the rows drawn are read; the inbox brings the categories the filters list too.
    const [tags, inbox] = await Promise.all([links.inboxTags(), links.inbox({ firstRows: FIRST_ROWS })]);
    const groups = inbox.groups.map((group) => ({ ...group, links: group.links.map(linkView), more: group.size - group.links.length }));
    return { filters, categories: inbox.categories, tags, filtering, inbox: { ...inbox, groups }, results: undefined };
  }
  const [allCategories, tags] = await Promise.all([categories.list(), links.inboxTags()]);
  const base = { filters, categories: allCategories, tags, filtering };
  const result = await links.list({ ...filters, limit: RESULTS_PAGE });
  const next = result.nextCursor
    ? new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value)), cursor: result.nextCursor })
    : undefined;
  return { ...base, inbox: undefined, results: result.links.map(linkView), moreHref: next && `/admin/inbox?${next}`, counts: undefined };
}

/** The rows of one inbox group past the first `offset`, for "Show the other N". */
export async function inboxGroupRows({ links, categories }: Pick<Services, 'links' | 'categories'>, query: unknown): Promise<Record<string, unknown>> {
  const { category, offset } = groupRowsQuery.parse(query ?? {});
  const [allCategories, inbox] = await Promise.all([categories.list(), links.inbox()]);
  const group = inbox.groups.find((candidate) => (candidate.category?.id ?? 'none') === category);
  return { categories: allCategories, rows: (group?.links ?? []).slice(offset).map(linkView) };
}

/** What a bulk action did, in a sentence in the editor's language. */
export function bulkNotice(t: AdminWords, { action, count }: { action: 'move' | 'tag' | 'delete'; count: number }): string {
  return t.links.flash.bulk(action, new Intl.NumberFormat(t.intlLocale).format(count), count);
}
