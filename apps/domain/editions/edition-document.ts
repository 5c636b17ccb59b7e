// The edition as readers see it, assembled from its row, its links and the categories: sections in
// the edition's order, nested items under their parent. And the rules that read that document:
// when an edition is empty, and which tags its links suggest.
import type { Category } from '../../../db/repositories/categories-repository.ts';
import type { EditionRow } from '../../../db/repositories/editions-repository.ts';
import type { Link } from '../../../db/repositories/links-repository.ts';
import { ValidationError } from '../platform/errors.ts';
import type { EditionDocument, EditionLink, EditionSection } from './edition-types.ts';
import { editionPath } from './periods.ts';

function toEditionLink(link: Link, children: Link[]): EditionLink {
  return {
    id: link.id,
    url: link.url,
    title: link.title || link.url,
    commentary: link.commentary,
    commentaryHtml: link.commentaryHtml,
    via: link.via,
    children: children.filter((child) => child.parentId === link.id).map((child) => toEditionLink(child, [])),
  };
}

/**
 * The document of an edition: its top-level links in sections, the edition's own order first (it
 * may list empty ones on purpose), then any other category holding links in the global order,
 * and links without a (known) category last, under `miscellaneous`.
 */
export function assembleDocument(input: { row: EditionRow; top: Link[]; children: Link[]; categories: Category[]; miscellaneous: string }): EditionDocument {
  const { row, top, children, categories } = input;
  const byId = new Map(categories.map((category) => [category.id, category]));
  const ordered = [...row.categoryOrder.filter((id) => byId.has(id))];
  for (const category of categories) {
    if (!ordered.includes(category.id) && top.some((link) => link.categoryId === category.id)) ordered.push(category.id);
  }
  const sections: EditionSection[] = ordered.map((id) => ({
    categoryId: id,
    name: byId.get(id)!.name,
    links: top.filter((link) => link.categoryId === id).map((link) => toEditionLink(link, children)),
  }));
  const loose = top.filter((link) => !link.categoryId || !byId.has(link.categoryId));
  if (loose.length > 0) sections.push({ categoryId: null, name: input.miscellaneous, links: loose.map((link) => toEditionLink(link, children)) });
  return {
    id: row.id,
    period: row.period,
    title: row.title,
    slug: row.slug,
    tags: row.tags,
    intro: row.intro,
    outro: row.outro,
    freeSections: row.freeSections,
    sections,
    status: row.status,
    scheduledAt: row.scheduledAt,
    publishedAt: row.publishedAt,
    correctedAt: row.correctedAt,
    updatedAt: row.updatedAt,
    version: row.version,
    path: editionPath(row),
  };
}

/** True when an edition has nothing to show: no link in any section and no free section (an intro alone is not an edition). */
export function isEditionEmpty(doc: Pick<EditionDocument, 'sections' | 'freeSections'>): boolean {
  return doc.sections.every((section) => section.links.length === 0) && doc.freeSections.length === 0;
}

/** What an editor is told about an empty edition when about to publish, schedule or send it. */
export function emptyEditionMessage(doing: 'publishing' | 'scheduling' | 'sending'): string {
  return `This edition is empty: add links or a section before ${doing} it.`;
}

/** Refuses to publish, schedule or send an empty edition, saying what to add. */
export function refuseEmptyEdition(doc: Pick<EditionDocument, 'sections' | 'freeSections'>, doing: 'publishing' | 'scheduling' | 'sending'): void {
  if (isEditionEmpty(doc)) throw new ValidationError(emptyEditionMessage(doing));
}

/** Tags suggested for an edition: those of its links, most used first, without the ones it has. */
export function tagSuggestions(doc: EditionDocument, linkTags: Map<string, string[]>): string[] {
  const counts = new Map<string, number>();
  for (const section of doc.sections)
    for (const link of section.links) for (const tag of linkTags.get(link.id) ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([tag]) => !doc.tags.includes(tag))
    .sort((a, b) => b[1] - a[1])
    .map(([tag]) => tag)
    .slice(0, 20);
}
