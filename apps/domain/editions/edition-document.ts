// The edition as readers see it, assembled from its row, its links and the categories: blocks in
// the edition's order, nested items under their parent. And the rules that read that document:
// when an edition is empty, and which tags its links suggest.
import type { Category } from '../../../db/repositories/categories-repository.ts';
import type { EditionRow } from '../../../db/repositories/editions-repository.ts';
import type { Link } from '../../../db/repositories/links-repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { topLinks, withMissingCategories } from './edition-blocks.ts';
import type { EditionBlock, EditionDocument, EditionLink } from './edition-types.ts';
import { editionPath } from './periods.ts';

function toEditionLink(link: Link, children: Link[]): EditionLink {
  return {
    id: link.id,
    url: link.url,
    normalizedUrl: link.normalizedUrl,
    title: link.title || link.url,
    commentary: link.commentary,
    commentaryHtml: link.commentaryHtml,
    via: link.via,
    children: children.filter((child) => child.parentId === link.id).map((child) => toEditionLink(child, [])),
  };
}

/**
 * The document of an edition: its stored blocks in order, each category block holding the
 * edition's links of that category in their position order. A category that holds links but has
 * no block is shown after the last category block (in the categories' order), the links of no
 * (known) category last, under `miscellaneous`; a block of a category that no longer exists is
 * left out.
 */
export function assembleDocument(input: { row: EditionRow; top: Link[]; children: Link[]; categories: Category[]; miscellaneous: string }): EditionDocument {
  const { row, top, children, categories } = input;
  const byId = new Map(categories.map((category) => [category.id, category]));
  const categoryOf = (link: Link) => (link.categoryId && byId.has(link.categoryId) ? link.categoryId : null);
  const holding = [
    ...categories.map((category) => category.id).filter((id) => top.some((link) => categoryOf(link) === id)),
    ...(top.some((link) => categoryOf(link) === null) ? [null] : []),
  ];
  const stored = withMissingCategories(
    row.blocks.filter((block) => block.kind === 'text' || block.categoryId === null || byId.has(block.categoryId)),
    holding,
  );
  const blocks: EditionBlock[] = stored.map((block) =>
    block.kind === 'text'
      ? { kind: 'text', id: block.id, heading: block.heading, body: block.body }
      : {
          kind: 'category',
          categoryId: block.categoryId,
          name: block.categoryId === null ? input.miscellaneous : byId.get(block.categoryId)!.name,
          intro: block.intro,
          outro: block.outro,
          keepEmpty: block.keepEmpty,
          links: top.filter((link) => categoryOf(link) === block.categoryId).map((link) => toEditionLink(link, children)),
        },
  );
  return {
    id: row.id,
    period: row.period,
    title: row.title,
    slug: row.slug,
    tags: row.tags,
    intro: row.intro,
    outro: row.outro,
    blocks,
    status: row.status,
    scheduledAt: row.scheduledAt,
    publishedAt: row.publishedAt,
    correctedAt: row.correctedAt,
    updatedAt: row.updatedAt,
    version: row.version,
    path: editionPath(row),
  };
}

/** True when an edition has nothing to show: no link in any section and no text section (an intro, or headings alone, are not an edition). */
export function isEditionEmpty(doc: Pick<EditionDocument, 'blocks'>): boolean {
  return doc.blocks.every((block) => block.kind === 'category' && block.links.length === 0);
}

/** What an editor is told about an empty edition when about to publish, schedule or send it. */
export function emptyEditionMessage(doing: 'publishing' | 'scheduling' | 'sending'): string {
  return `This edition is empty: add links or a section before ${doing} it.`;
}

/** Refuses to publish, schedule or send an empty edition, saying what to add. */
export function refuseEmptyEdition(doc: Pick<EditionDocument, 'blocks'>, doing: 'publishing' | 'scheduling' | 'sending'): void {
  if (isEditionEmpty(doc)) throw new ValidationError(emptyEditionMessage(doing), {}, { code: `edition.empty-${doing}` });
}

/** Tags suggested for an edition: those of its links, most used first, without the ones it has. */
export function tagSuggestions(doc: EditionDocument, linkTags: Map<string, string[]>): string[] {
  const counts = new Map<string, number>();
  for (const link of topLinks(doc)) for (const tag of linkTags.get(link.id) ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([tag]) => !doc.tags.includes(tag))
    .sort((a, b) => b[1] - a[1])
    .map(([tag]) => tag)
    .slice(0, 20);
}

/**
 * The draft the schedule creates for a period and nobody touched since (never saved, so still at
 * version 1, nothing in it): an import may take its place. Anything an editor did keeps it.
 */
export function isUntouchedDraft(edition: Pick<EditionRow, 'status' | 'version' | 'blocks' | 'intro' | 'outro' | 'tags'> & { linkCount: number }): boolean {
  return (
    edition.status === 'draft' &&
    edition.version === 1 &&
    edition.linkCount === 0 &&
    edition.blocks.length === 0 &&
    !edition.intro.trim() &&
    !edition.outro.trim() &&
    edition.tags.length === 0
  );
}
