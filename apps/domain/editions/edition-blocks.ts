// The rules of an edition's blocks: how a list of blocks is read from the editor or the API and
// refused with the block named, how blocks are keyed, moved, added and removed, which ones readers
// see, and what a document holds (its category sections, its links, the links it holds twice).
// Pure functions: the service resolves category names and link ids around them.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StoredBlock } from '../../../db/repositories/editions-repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { issueCode } from '../platform/validation.ts';
import type { CategoryBlock, EditionBlock, EditionDocument, EditionLink, TextBlock } from './edition-types.ts';

export type { StoredBlock };

/** At most this many blocks in one edition. */
export const MAX_BLOCKS = 200;
const MAX_TEXT = 50_000;

/** The key a block is known by in the editor's form: c:<category id>, c:none (links of no category) or t:<text id>. */
export function blockKey(block: Pick<CategoryBlock, 'kind' | 'categoryId'> | Pick<TextBlock, 'kind' | 'id'>): string {
  return block.kind === 'category' ? `c:${block.categoryId ?? 'none'}` : `t:${block.id}`;
}

/** A fresh id for a text block. */
export function newTextId(): string {
  return randomUUID();
}

/** The id a text block brought from elsewhere (an export) keeps when it is a valid one not yet taken in its edition; a fresh one otherwise. */
export function keptTextId(id: string | undefined, taken: Set<string>): string {
  const parsed = textId.safeParse(id);
  const kept = parsed.success && !taken.has(parsed.data) ? parsed.data : newTextId();
  taken.add(kept);
  return kept;
}

const textId = z
  .string({ error: 'A text section’s id is text.' })
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'A text section’s id is 1 to 64 letters, digits, dashes or underscores.' });

const markdown = (what: string) => z.string({ error: `${what} must be text.` }).max(MAX_TEXT, { error: `${what} is at most 50,000 characters.` });

/** A link of a category block as the API may give it: its id, or the object GET returns (only its id is read). */
const linkRef = z.union([z.uuid({ error: 'Links are given by their id.' }), z.object({ id: z.uuid({ error: 'Links are given by their id.' }) }).loose()], {
  error: 'Links are given by their id.',
});

const categoryBlockInput = z.object({
  kind: z.literal('category'),
  /** Null: the links of no category. */
  categoryId: z.uuid({ error: 'categoryId is a category’s id.' }).nullable().optional(),
  /** A category's name (found whatever its case and accents, created when missing), instead of its id. */
  category: z.string({ error: 'category is a category’s name.' }).trim().min(1, { error: 'The category’s name is empty.' }).max(100).nullable().optional(),
  intro: markdown('The text before the links').default(''),
  outro: markdown('The text after the links').default(''),
  keepEmpty: z.boolean({ error: 'keepEmpty is true or false.' }).default(false),
  links: z.array(linkRef).max(500, { error: 'A section holds at most 500 links.' }).optional(),
});

const textBlockInput = z.object({
  kind: z.literal('text'),
  id: textId.optional(),
  heading: z
    .string({ error: 'A text section needs a heading.' })
    .trim()
    .min(1, { error: 'A text section needs a heading.' })
    .max(200, { error: 'A heading is at most 200 characters.' }),
  body: markdown('The text').default(''),
});

const blockInput = z.discriminatedUnion('kind', [categoryBlockInput, textBlockInput], {
  error: 'Each block is { "kind": "category", ... } or { "kind": "text", ... }.',
});

/** A category block as read, before its category is resolved. */
export type CategoryBlockInput = Omit<z.output<typeof categoryBlockInput>, 'links'> & { links?: string[] };
/** A block as read from the editor or the API: categories still by id or by name, text blocks with their id. */
export type BlockInput = CategoryBlockInput | (Omit<z.output<typeof textBlockInput>, 'id'> & { id: string });

/** How a block is named in a message: "Block 3 (text section “Astuce du mois”)", "Block 2 (“Ops”)". */
export function describeBlock(index: number, block: unknown): string {
  const record = (block && typeof block === 'object' ? block : {}) as Record<string, unknown>;
  const label = (value: unknown) => (typeof value === 'string' && value.trim() ? `“${value.trim().slice(0, 60)}”` : '');
  if (record.kind === 'text') return `Block ${index + 1} (text section${label(record.heading) ? ` ${label(record.heading)}` : ''})`;
  if (record.kind === 'category') {
    const name = label(record.category) || label(record.name);
    return `Block ${index + 1} (${name ? `category ${name}` : 'category section'})`;
  }
  return `Block ${index + 1}`;
}

/**
 * Reads a list of blocks, refusing it with the block named: a block of no known kind, a text
 * section without a heading, a category block naming no category, two text sections with one id.
 * Text sections without an id get one. Categories are resolved by the caller.
 */
export function readBlocks(input: unknown): BlockInput[] {
  const list = z.array(z.unknown(), { error: 'blocks is a list of blocks.' }).max(MAX_BLOCKS, { error: `An edition holds at most ${MAX_BLOCKS} blocks.` });
  const parsedList = list.safeParse(input);
  if (!parsedList.success)
    throw new ValidationError(parsedList.error.issues[0]?.message ?? 'blocks is a list of blocks.', { blocks: parsedList.error.issues[0]?.message ?? '' });
  const blocks: BlockInput[] = [];
  const textIds = new Map<string, number>();
  parsedList.data.forEach((raw, index) => {
    const parsed = blockInput.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = ['blocks', index, ...issue.path].join('.');
      throw new ValidationError(`${describeBlock(index, raw)}: ${issue.message}`, { [path]: issue.message }, { fieldCodes: { [path]: issueCode(issue) } });
    }
    const block = parsed.data;
    if (block.kind === 'text') {
      const id = block.id ?? newTextId();
      const earlier = textIds.get(id);
      if (earlier !== undefined)
        throw new ValidationError(`${describeBlock(index, raw)}: block ${earlier + 1} has the same id (${id}).`, {
          [`blocks.${index}.id`]: `Block ${earlier + 1} has the same id.`,
        });
      textIds.set(id, index);
      blocks.push({ ...block, id });
      return;
    }
    if (block.categoryId === undefined && block.category === undefined)
      throw new ValidationError(`${describeBlock(index, raw)}: name its category, by "categoryId" or "category" (null for the links of no category).`, {
        [`blocks.${index}.category`]: 'Name the category.',
      });
    blocks.push({ ...block, links: block.links?.map((link) => (typeof link === 'string' ? link : link.id)) });
  });
  return blocks;
}

/** Refuses a second block for one category (by resolved id, null for the links of no category), naming both. */
export function refuseRepeatedCategories(blocks: Array<{ kind: string; categoryId?: string | null }>, names: (index: number) => string): void {
  const seen = new Map<string | null, number>();
  blocks.forEach((block, index) => {
    if (block.kind !== 'category' || block.categoryId === undefined) return;
    const earlier = seen.get(block.categoryId);
    if (earlier !== undefined)
      throw new ValidationError(`${names(index)}: block ${earlier + 1} is for the same category; an edition shows a category once.`, {
        [`blocks.${index}.category`]: `Block ${earlier + 1} is for the same category.`,
      });
    seen.set(block.categoryId, index);
  });
}

/**
 * The blocks with one for each category that holds links of the edition and has none, after the
 * last category block (links of no category last): what readers saw before blocks existed, and
 * where a link filed into a new category shows.
 */
export function withMissingCategories(blocks: StoredBlock[], holding: Array<string | null>): StoredBlock[] {
  const present = new Set(blocks.flatMap((block) => (block.kind === 'category' ? [block.categoryId] : [])));
  const missing = holding.filter((id, index) => !present.has(id) && holding.indexOf(id) === index);
  if (missing.length === 0) return blocks;
  const added: StoredBlock[] = missing.map((categoryId) => ({ kind: 'category', categoryId, intro: '', outro: '', keepEmpty: false }));
  let last = -1;
  blocks.forEach((block, index) => {
    if (block.kind === 'category') last = index;
  });
  return [...blocks.slice(0, last + 1), ...added, ...blocks.slice(last + 1)];
}

/** The stored form of a document's blocks (what the editions table keeps). */
export function toStored(blocks: EditionBlock[]): StoredBlock[] {
  return blocks.map((block) =>
    block.kind === 'category'
      ? { kind: 'category', categoryId: block.categoryId, intro: block.intro, outro: block.outro, keepEmpty: block.keepEmpty }
      : { kind: 'text', id: block.id, heading: block.heading, body: block.body },
  );
}

/** Whether readers see a block: text sections always, category sections with links or kept on purpose. */
export function isShown(block: EditionBlock): boolean {
  return block.kind === 'text' || block.links.length > 0 || block.keepEmpty;
}

/** The blocks readers see, in order. */
export function shownBlocks(doc: Pick<EditionDocument, 'blocks'>): EditionBlock[] {
  return doc.blocks.filter(isShown);
}

/** The document's category sections, in order. */
export function categoryBlocks(doc: Pick<EditionDocument, 'blocks'>): CategoryBlock[] {
  return doc.blocks.filter((block): block is CategoryBlock => block.kind === 'category');
}

/** The document's text sections, in order. */
export function textBlocks(doc: Pick<EditionDocument, 'blocks'>): TextBlock[] {
  return doc.blocks.filter((block): block is TextBlock => block.kind === 'text');
}

/** The top-level links of the document, in reading order. */
export function topLinks(doc: Pick<EditionDocument, 'blocks'>): EditionLink[] {
  return categoryBlocks(doc).flatMap((block) => block.links);
}

/** Every link of the document, nested ones included, in reading order. */
export function everyLink(doc: Pick<EditionDocument, 'blocks'>): EditionLink[] {
  const flatten = (link: EditionLink): EditionLink[] => [link, ...link.children.flatMap(flatten)];
  return topLinks(doc).flatMap(flatten);
}

/** The links the document holds more than once (same normalised URL), each with the others of its URL, nested ones included. */
export function repeatedLinks(doc: Pick<EditionDocument, 'blocks'>): Map<string, EditionLink[]> {
  const byUrl = new Map<string, EditionLink[]>();
  for (const link of everyLink(doc)) byUrl.set(link.normalizedUrl, [...(byUrl.get(link.normalizedUrl) ?? []), link]);
  const repeated = new Map<string, EditionLink[]>();
  for (const group of byUrl.values()) {
    if (group.length < 2) continue;
    for (const link of group)
      repeated.set(
        link.id,
        group.filter((other) => other.id !== link.id),
      );
  }
  return repeated;
}

/**
 * The stored blocks with the texts an editor's form posted: in the stored order (an arrangement
 * saved meanwhile stays), each posted block new to the edition after the posted block it followed.
 */
export function mergeBlockTexts(stored: StoredBlock[], posted: StoredBlock[]): StoredBlock[] {
  const postedByKey = new Map(posted.map((block) => [blockKey(block), block]));
  const result = stored.map((block) => postedByKey.get(blockKey(block)) ?? block);
  posted.forEach((block, index) => {
    if (result.some((kept) => blockKey(kept) === blockKey(block))) return;
    const before = index === 0 ? -1 : result.findIndex((kept) => blockKey(kept) === blockKey(posted[index - 1]!));
    result.splice(before + 1, 0, block);
  });
  return result;
}

/** The blocks in the order of `keys`; blocks not listed follow, in their order. */
export function reorderBlocks(blocks: StoredBlock[], keys: string[]): StoredBlock[] {
  const rank = new Map(keys.map((key, index) => [key, index]));
  const at = (block: StoredBlock, index: number) => rank.get(blockKey(block)) ?? keys.length + index;
  return blocks
    .map((block, index) => ({ block, order: at(block, index) }))
    .sort((a, b) => a.order - b.order)
    .map(({ block }) => block);
}

/** A change to the order or the set of blocks the editor asks for beside saving its text. */
export type BlockAction =
  | { kind: 'move'; key: string; direction: 'up' | 'down' }
  | { kind: 'remove'; key: string }
  | { kind: 'add-text'; after: string | null; id: string }
  | { kind: 'add-category'; categoryId: string };

/** Reads an editor form's action ("up:t:abc", "down:c:…", "remove:t:abc", "add-text:<key or empty>", "add-category:<id>"); undefined for none. */
export function parseBlockAction(value: unknown): BlockAction | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const [verb, ...rest] = value.split(':');
  const key = rest.join(':');
  if ((verb === 'up' || verb === 'down') && key) return { kind: 'move', key, direction: verb };
  if (verb === 'remove' && key) return { kind: 'remove', key };
  if (verb === 'add-text') return { kind: 'add-text', after: key || null, id: newTextId() };
  if (verb === 'add-category' && z.uuid().safeParse(key).success) return { kind: 'add-category', categoryId: key };
  throw new ValidationError('This change to the sections is not one the editor makes.');
}

/** The blocks after an action; an action on a block that is not there changes nothing. */
export function applyBlockAction<B extends { kind: string }>(
  blocks: B[],
  action: BlockAction,
  make: { text: (id: string) => B; category: (id: string) => B },
): B[] {
  const keyOf = (block: B) => blockKey(block as unknown as EditionBlock);
  const at = 'key' in action ? blocks.findIndex((block) => keyOf(block) === action.key) : -1;
  switch (action.kind) {
    case 'move': {
      const to = action.direction === 'up' ? at - 1 : at + 1;
      if (at < 0 || to < 0 || to >= blocks.length) return blocks;
      const moved = [...blocks];
      [moved[at], moved[to]] = [moved[to]!, moved[at]!];
      return moved;
    }
    case 'remove':
      return at < 0 ? blocks : blocks.filter((_block, index) => index !== at);
    case 'add-text': {
      const after = action.after === null ? -1 : blocks.findIndex((block) => keyOf(block) === action.after);
      return [...blocks.slice(0, after + 1), make.text(action.id), ...blocks.slice(after + 1)];
    }
    case 'add-category': {
      if (blocks.some((block) => keyOf(block) === `c:${action.categoryId}`)) return blocks;
      // After the last category section, as a category that gets links shows.
      const last = blocks.map((block) => block.kind).lastIndexOf('category');
      return [...blocks.slice(0, last + 1), make.category(action.categoryId), ...blocks.slice(last + 1)];
    }
  }
}
