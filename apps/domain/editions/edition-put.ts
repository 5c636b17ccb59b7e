// PUT /api/v1/editions/:period: an edition created or replaced from a client's document. The
// document is what GET returns (blocks, each category block listing its links), or the older
// shape (sections of links, free sections of text); the edition then holds exactly the links
// listed, in that order, and links it held that are not listed any more go back to the inbox.
import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { EditionPatch, EditionRow, EditionsRepository } from '../../../db/repositories/editions-repository.ts';
import type { LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { LinksService } from '../links/links-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { parseInput } from '../platform/validation.ts';
import { toStored, type StoredBlock } from './edition-blocks.ts';
import {
  blocksFromLegacy,
  legacyFreeSectionsSchema,
  legacySectionsSchema,
  refuseDisagreement,
  storedBlocks,
  type LegacySection,
  type ResolvedBlock,
} from './edition-document-input.ts';
import { tagsSchema, updateSchema } from './edition-fields.ts';
import type { EditionDocument } from './edition-types.ts';
import { parsePeriod } from './periods.ts';

const documentSchema = z.object({
  title: z.string().trim().min(1).max(300).optional(),
  slug: updateSchema.shape.slug,
  tags: tagsSchema.optional(),
  intro: z.string().max(50_000).optional(),
  outro: z.string().max(50_000).optional(),
  /** When given (as GET returns it), the edition must still be at this version. */
  version: z.number({ error: 'version is the number GET gave.' }).int().min(1).optional(),
  blocks: z.unknown().optional(),
  sections: legacySectionsSchema.optional(),
  freeSections: legacyFreeSectionsSchema.optional(),
});

type Deps = {
  db: Database;
  editions: EditionsRepository;
  links: LinksRepository;
  linkTree: Pick<LinksService, 'relocate'>;
  find: (ref: { id: string }) => Promise<EditionRow>;
  create: (period: string, values: EditionPatch) => Promise<EditionRow>;
  document: (input: { edition: EditionRow; tx?: DbOrTx }) => Promise<EditionDocument>;
  resolveBlocks: (raw: unknown, tx: DbOrTx) => Promise<ResolvedBlock[]>;
  applyUpdate: (
    current: EditionRow,
    values: { version: number; changes: Omit<EditionPatch, 'blocks'>; blocks?: StoredBlock[] },
    tx: DbOrTx,
  ) => Promise<EditionRow>;
};

/** Writes an edition from the API's document, through the same rules as the editor. */
export function createDocumentWriter({ db, editions, links, linkTree, find, create, document, resolveBlocks, applyUpdate }: Deps) {
  /** The sections of the older shape with their categories resolved; two naming one category are one, as before blocks. */
  async function legacySections(sections: z.output<typeof legacySectionsSchema>, tx: DbOrTx): Promise<LegacySection[]> {
    const merged: LegacySection[] = [];
    for (const section of sections) {
      const [resolved] = await resolveBlocks([{ kind: 'category', category: section.category, links: section.links }], tx);
      const categoryId = resolved?.kind === 'category' ? resolved.categoryId : null;
      const same = merged.find((entry) => entry.categoryId === categoryId);
      if (same) same.links.push(...section.links);
      else merged.push({ categoryId, links: [...section.links] });
    }
    return merged;
  }

  /**
   * Puts the links the blocks list into the edition, in their order and category; the edition's
   * other links go back to the inbox, except those of a category block that lists none (kept).
   */
  async function placeLinks(row: EditionRow, blocks: ResolvedBlock[], tx: DbOrTx): Promise<void> {
    const listing = blocks.flatMap((block, index) => (block.kind === 'category' && block.links ? [{ block, index, links: block.links }] : []));
    const firstListing = new Map<string, number>();
    for (const { index, links: ids } of listing)
      for (const id of ids) {
        const earlier = firstListing.get(id);
        if (earlier !== undefined)
          throw new ValidationError(
            earlier === index
              ? `Block ${index + 1} lists the link ${id} twice.`
              : `Block ${index + 1} lists the link ${id}, which block ${earlier + 1} lists already.`,
            { [`blocks.${index}.links`]: 'Each link may appear once.' },
          );
        firstListing.set(id, index);
      }
    const listed = [...firstListing.keys()];
    const found = new Map((await links.findByIds(listed, tx)).map((link) => [link.id, link]));
    for (const { index, links: ids } of listing) {
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0)
        throw new ValidationError(`Block ${index + 1}: there is no link with the id ${missing.join(', ')}.`, {
          [`blocks.${index}.links`]: `No link with the id ${missing.join(', ')}.`,
        });
    }
    const taken = [...found.values()].filter((link) => link.editionId && link.editionId !== row.id);
    if (taken.length > 0) throw new ConflictError(`These links are in another edition already: ${taken.map((link) => link.id).join(', ')}.`);
    const keptCategories = new Set(blocks.flatMap((block) => (block.kind === 'category' && !block.links ? [block.categoryId] : [])));
    const current = await links.list({ scope: 'all', editionId: row.id, limit: 5000, order: 'position' }, tx);
    for (const link of current) {
      if (firstListing.has(link.id) || keptCategories.has(link.categoryId)) continue;
      await linkTree.relocate({ id: link.id, to: { editionId: null, position: link.position } }, tx);
    }
    for (const { block, links: ids } of listing) {
      if (block.kind !== 'category') continue;
      for (const [position, id] of ids.entries())
        await linkTree.relocate({ id, to: { editionId: row.id, categoryId: block.categoryId, parentId: null, position: position + 1 } }, tx);
    }
  }

  return {
    /** Creates or replaces an edition from the JSON API's document: the links listed, in that order. */
    async put({ period, input }: { period: string; input: Record<string, unknown> }): Promise<EditionRow> {
      if (!parsePeriod(period)) throw new NotFoundError('Periods look like 2024-06 or 2024-W07.');
      const values = parseInput(documentSchema, input);
      const existing = await editions.findByPeriod(period);
      const row = existing ?? (await create(period, { title: values.title, slug: values.slug }));
      return db.transaction(async (tx) => {
        const current = (await editions.findById(row.id, tx)) ?? (await find({ id: row.id }));
        const sections = values.sections ? await legacySections(values.sections, tx) : undefined;
        let blocks: ResolvedBlock[] | undefined;
        if (values.blocks !== undefined) {
          blocks = await resolveBlocks(values.blocks, tx);
          refuseDisagreement(blocks, { sections, freeSections: values.freeSections });
        } else if (sections || values.freeSections) {
          blocks = blocksFromLegacy(toStored((await document({ edition: current, tx })).blocks), { sections, freeSections: values.freeSections });
        }
        if (blocks) await placeLinks(current, blocks, tx);
        const changes: Omit<EditionPatch, 'blocks'> = {};
        for (const key of ['title', 'slug', 'tags', 'intro', 'outro'] as const) if (values[key] !== undefined) Object.assign(changes, { [key]: values[key] });
        return applyUpdate(current, { version: values.version ?? current.version, changes, blocks: blocks && storedBlocks(blocks) }, tx);
      });
    },
  };
}
