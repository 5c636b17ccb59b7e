import type { Services } from '../../bootstrap/services.ts';
import type { AdminWords } from '../admin-locales/index.ts';
import type { Duplicate, Link } from '../../domain/links/links-service.ts';
import { linkView } from './link-view.ts';

type LinkServices = Pick<Services, 'links' | 'categories'>;

/** What the edit form starts from. */
function editValues(link: Link): Record<string, unknown> {
  return {
    url: link.url,
    title: link.title ?? '',
    commentary: link.commentary,
    via: link.via ?? '',
    tags: link.tags.join(', '),
    categoryId: link.categoryId ?? '',
    parentId: link.parentId ?? '',
  };
}

/** The links a link may be nested under: the other top-level links of its category in the inbox. */
async function possibleParents({ links }: LinkServices, link: Link): Promise<Array<{ id: string; title: string }>> {
  const { links: candidates } = await links.list({ status: 'inbox', limit: 200, category: link.categoryId ?? 'none' });
  return candidates
    .filter((candidate) => candidate.id !== link.id && !candidate.parentId)
    .map((candidate) => ({ id: candidate.id, title: candidate.title ?? candidate.url }));
}

/** One link's row in the inbox list, with its nested items. */
export async function linkRow({ links, categories }: LinkServices, id: string): Promise<Record<string, unknown>> {
  const [allCategories, full] = await Promise.all([categories.list(), links.getWithChildren({ id })]);
  return { link: linkView(full), categories: allCategories };
}

/** The fields a row edits where they stand; the others are in the full form. */
export const ROW_FIELDS = ['title', 'commentary', 'categoryId'] as const;

/** A row with one of its fields (title, commentary or category) open for editing in place. */
export async function linkFieldRow(services: LinkServices, id: string, field: (typeof ROW_FIELDS)[number]): Promise<Record<string, unknown>> {
  const [allCategories, full] = await Promise.all([services.categories.list(), services.links.getWithChildren({ id })]);
  return { link: linkView(full), categories: allCategories, values: editValues(full), editing: field };
}

/** A link's edit form: its values, the categories, the links it may be nested under; `focus` is the field to start in. */
export async function linkEditPage(
  services: LinkServices,
  { id, focus, popup = false }: { id: string; focus?: string; popup?: boolean },
): Promise<Record<string, unknown>> {
  const link = await services.links.get({ id });
  const [allCategories, parents] = await Promise.all([services.categories.list(), possibleParents(services, link)]);
  return { link: linkView(link), values: editValues(link), errors: {}, categories: allCategories, parents, focus, popup };
}

/** The capture popup (or the add page), pre-filled with what the bookmarklet read from the page, and where else its URL appears. */
export async function linkNewPage(
  { links, categories }: LinkServices,
  query: { url?: string; title?: string; text?: string; popup?: boolean },
): Promise<Record<string, unknown>> {
  const [duplicates, allCategories] = await Promise.all([query.url ? links.duplicatesOf({ url: query.url }) : [], categories.list()]);
  const values = { url: query.url ?? '', title: (query.title ?? '').slice(0, 500), commentary: query.text ? markdownQuote(query.text) : '' };
  return { values, errors: {}, categories: allCategories, popup: Boolean(query.popup), duplicates };
}

/** Text selected on a page as a Markdown quotation: every line behind "> ", paragraphs kept, the blank lines around dropped. */
export function markdownQuote(text: string): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trim());
  while (lines.length > 0 && !lines[0]) lines.shift();
  while (lines.length > 0 && !lines.at(-1)) lines.pop();
  // Runs of blank lines are one paragraph break.
  const kept = lines.filter((line, index) => line || lines[index - 1]);
  return kept.map((line) => (line ? `> ${line}` : '>')).join('\n');
}

/** One sentence saying where a URL was shared before, in the editor's language. */
export function duplicateSentence(words: AdminWords['links']['flash'], duplicates: Duplicate[]): string {
  const first = duplicates[0]!;
  if (first.edition) return words.alreadyIn(first.edition.title, first.edition.status === 'published');
  return words.alreadyInInbox;
}
