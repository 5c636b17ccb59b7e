// The edition document as clients send it: the blocks GET returns, or the older shape
// (`sections` of links by category, `freeSections` of text) that clients written before blocks
// still send. Both say the same kind of thing; when a client sends both they must agree, so that
// nothing it changed in one of them is silently dropped. Pure functions: categories come resolved.
import { z } from 'zod';
import { ValidationError } from '../platform/errors.ts';
import { newTextId, type StoredBlock } from './edition-blocks.ts';

/** A block once its category is known: category blocks may carry the ids of their links (undefined: unchanged). */
export type ResolvedBlock = (Extract<StoredBlock, { kind: 'category' }> & { links?: string[] }) | Extract<StoredBlock, { kind: 'text' }>;

/** A section of the older shape once its category is known. */
export type LegacySection = { categoryId: string | null; links: string[] };

/** A free section of the older shape: a text section placed after the categories. */
export type LegacyFreeSection = { heading: string; body: string };

export const legacyFreeSectionsSchema = z
  .array(
    z.object({
      heading: z
        .string({ error: 'Each section needs a heading.' })
        .trim()
        .min(1, { error: 'Each section needs a heading.' })
        .max(200, { error: 'Section headings are at most 200 characters.' }),
      body: z.string({ error: 'Section text must be text.' }).max(50_000, { error: 'A section is at most 50,000 characters.' }),
    }),
  )
  .max(20, { error: 'At most 20 free sections.' });

export const legacySectionsSchema = z
  .array(
    z.object({
      /** Null (what GET gives for links of no category) keeps them without a category. */
      category: z.string({ error: 'Each section names its category.' }).trim().min(1, { error: 'Each section names its category.' }).max(100).nullable(),
      /** Ids, or the link objects GET returns (only their id is read). */
      links: z
        .array(z.union([z.uuid({ error: 'Links are given by their id.' }), z.object({ id: z.uuid({ error: 'Links are given by their id.' }) }).loose()]))
        .max(500)
        .transform((links) => links.map((link) => (typeof link === 'string' ? link : link.id))),
    }),
  )
  .max(100);

/**
 * The blocks the older shape describes, over the edition's current blocks: the sections give the
 * category blocks in their order (a category that had a block keeps its texts; a new one listed
 * without links is shown empty, as it was then), the free sections replace the text sections after
 * the categories. What is not sent stays: text sections keep their place after the category they
 * followed when only `sections` comes.
 */
export function blocksFromLegacy(current: StoredBlock[], input: { sections?: LegacySection[]; freeSections?: LegacyFreeSection[] }): ResolvedBlock[] {
  const currentCategories = current.filter((block): block is Extract<StoredBlock, { kind: 'category' }> => block.kind === 'category');
  const currentTexts = current.filter((block): block is Extract<StoredBlock, { kind: 'text' }> => block.kind === 'text');
  const categories: ResolvedBlock[] = input.sections
    ? input.sections.map((section) => {
        const existing = currentCategories.find((block) => block.categoryId === section.categoryId);
        return existing
          ? { ...existing, links: section.links }
          : { kind: 'category', categoryId: section.categoryId, intro: '', outro: '', keepEmpty: section.links.length === 0, links: section.links };
      })
    : currentCategories;
  if (input.freeSections) {
    const texts: ResolvedBlock[] = input.freeSections.map((free, index) => ({
      kind: 'text',
      id: currentTexts[index]?.id ?? newTextId(),
      heading: free.heading,
      body: free.body,
    }));
    return [...categories, ...texts];
  }
  // Each text section follows the category it followed (or opens the edition), else goes last.
  const anchored = new Map<string | null | undefined, ResolvedBlock[]>();
  let anchor: string | null | undefined = undefined;
  for (const block of current) {
    if (block.kind === 'category') anchor = block.categoryId;
    else anchored.set(anchor, [...(anchored.get(anchor) ?? []), block]);
  }
  const placed = new Set<string | null | undefined>([undefined]);
  const result: ResolvedBlock[] = [...(anchored.get(undefined) ?? [])];
  for (const block of categories) {
    result.push(block);
    if (block.kind !== 'category') continue;
    result.push(...(anchored.get(block.categoryId) ?? []));
    placed.add(block.categoryId);
  }
  for (const [key, texts] of anchored) if (!placed.has(key)) result.push(...texts);
  return result;
}

/**
 * Refuses blocks sent with the older shape beside them when the two say different things (a
 * client that edited one and sent back both): which one it meant cannot be told.
 */
export function refuseDisagreement(blocks: ResolvedBlock[], input: { sections?: LegacySection[]; freeSections?: LegacyFreeSection[] }): void {
  const refuse = (what: string) => {
    throw new ValidationError(
      `blocks and ${what} say different things: send blocks alone (sections and freeSections are the older form of the same document).`,
      { [what]: `Does not match blocks.` },
    );
  };
  if (input.sections) {
    const categories = blocks.filter((block) => block.kind === 'category');
    const same =
      categories.length === input.sections.length &&
      categories.every((block, index) => {
        const section = input.sections![index]!;
        return block.categoryId === section.categoryId && JSON.stringify(block.links ?? null) === JSON.stringify(section.links);
      });
    if (!same) refuse('sections');
  }
  if (input.freeSections) {
    const texts = blocks.filter((block) => block.kind === 'text');
    const same =
      texts.length === input.freeSections.length &&
      texts.every((block, index) => block.heading === input.freeSections![index]!.heading && block.body === input.freeSections![index]!.body);
    if (!same) refuse('freeSections');
  }
}

/** The blocks as the editions table keeps them: the links a category block lists are the links' own business. */
export function storedBlocks(blocks: ResolvedBlock[]): StoredBlock[] {
  return blocks.map((block) => {
    if (block.kind === 'text') return block;
    const { links: _links, ...stored } = block;
    return stored;
  });
}
