import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import { linkView } from './link-view.ts';

/** The inbox's filters, as its search form sends them (the service checks their values). */
export const inboxFilters = z.object({
  q: z.string().optional(),
  category: z.string().optional(),
  tag: z.string().optional(),
  status: z.string().optional(),
});

/** The inbox page: every category's links in their order, or the ranked results of a search or filter. */
export async function inboxPage({ links, categories }: Pick<Services, 'links' | 'categories'>, query: unknown): Promise<Record<string, unknown>> {
  const filters = inboxFilters.parse(query ?? {});
  const [allCategories, tags] = await Promise.all([categories.list(), links.inboxTags()]);
  const filtering = Boolean(filters.q?.trim() || filters.category || filters.tag || (filters.status && filters.status !== 'inbox'));
  const base = { filters, categories: allCategories, tags, filtering };
  if (!filtering) {
    const inbox = await links.inbox();
    return { ...base, inbox: { ...inbox, groups: inbox.groups.map((group) => ({ ...group, links: group.links.map(linkView) })) }, results: undefined };
  }
  const result = await links.list({ ...filters, limit: 200 });
  return { ...base, inbox: undefined, results: result.links.map(linkView), counts: undefined };
}

/** What a bulk action did, in a sentence. */
export function bulkNotice({ action, count }: { action: 'move' | 'tag' | 'delete'; count: number }): string {
  const done = { move: 'moved', tag: 'tagged', delete: 'deleted' }[action];
  return `${count} link${count === 1 ? '' : 's'} ${done}.`;
}
