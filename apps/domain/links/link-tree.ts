// Where links live and how they move: a link with its nested items, placed in an edition or the
// inbox, in a category, at a position; and the bulk writes of imported links. The links service
// and the editions service (adding a link to an edition, sending it back to the inbox) call this,
// so that "nested links follow their parent" lives here only.
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { LinkInsert, LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { Actor } from '../accounts/roles.ts';
import type { ExportLink } from '../exports/export-format.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { renderCommentary } from './link-fields.ts';
import { parentRefused } from './link-placement.ts';
import { comparableUrl } from './url-normalize.ts';

/**
 * Where a link goes: an edition (null: the inbox), a category, under a parent (null: top level),
 * at a position ('first' or 'last' of that group). What is not given stays as it is.
 */
export type Placement = { editionId?: string | null; categoryId?: string | null; parentId?: string | null; position?: number | 'first' | 'last' };

/** A link as an import brings it, its fields already held to the rules, with its nested items: an export's link, with no creation date unless the source knows it. */
export type LinkTree = Omit<ExportLink, 'createdAt' | 'children'> & { createdAt: string | null; children: LinkTree[] };

/** A URL already in Veille: its most recent link's title, and the edition holding it (null: the inbox). */
export type KnownUrl = { normalizedUrl: string; title: string | null; period: string | null; editionTitle: string | null };

// Normalised URLs looked up per query by `knownUrls`.
const KNOWN_URLS_BATCH = 5000;

/** The tree operations on links, for the links service to expose. */
export function createLinkTree({ db, links }: { db: Database; links: LinksRepository }) {
  /**
   * Puts a link somewhere else, its nested items following: the one place that rule lives. A
   * nested link lives where its parent does (edition and category); the nested items of a moved
   * link take its edition and category. Runs inside the caller's transaction.
   */
  async function relocate({ id, to }: { id: string; to: Placement }, tx: DbOrTx = db): Promise<void> {
    const link = await links.findById(id, {}, tx);
    if (!link) throw new NotFoundError('This link does not exist (or was deleted).');
    const parentId = to.parentId === undefined ? link.parentId : to.parentId;
    let editionId = to.editionId === undefined ? link.editionId : to.editionId;
    let categoryId = to.categoryId === undefined ? link.categoryId : to.categoryId;
    const children = await links.childrenOf([id], tx);
    if (parentId) {
      const parent = parentId === id ? undefined : await links.findById(parentId, {}, tx);
      if (!parent) throw new ValidationError('Unknown parent link.', { parentId: 'The parent link does not exist.' }, parentRefused('parent_unknown'));
      if (parent.parentId)
        throw new ValidationError('Links nest one level deep.', { parentId: 'Choose a top-level link as the parent.' }, parentRefused('parent_nested'));
      if (children.length > 0)
        throw new ValidationError(
          'Links nest one level deep.',
          { parentId: 'This link has nested items of its own: it cannot be nested.' },
          parentRefused('parent_has_children'),
        );
      editionId = parent.editionId;
      categoryId = parent.categoryId;
    }
    const position = typeof to.position === 'number' ? to.position : await links.endPosition({ editionId, categoryId, parentId }, to.position ?? 'last', tx);
    await links.update(id, { editionId, categoryId, parentId, position }, tx);
    await links.updateMany(
      children.map((child) => child.id),
      { editionId, categoryId },
      tx,
    );
  }

  /** Writes links and their nested items in bulk, in order, from `firstPosition` on. */
  async function insertLevel(
    list: LinkTree[],
    base: Pick<LinkInsert, 'editionId' | 'categoryId' | 'parentId' | 'createdBy'>,
    firstPosition: number,
    tx: DbOrTx,
  ): Promise<number> {
    if (list.length === 0) return 0;
    const ids = await links.insertMany(
      list.map((link, index) => ({
        ...base,
        url: link.url,
        normalizedUrl: comparableUrl(link.url),
        title: link.title,
        commentary: link.commentary,
        commentaryHtml: renderCommentary(link.commentary),
        via: link.via,
        tags: link.tags,
        description: link.description,
        siteName: link.siteName,
        // Nothing to fetch: these pages were read (or not) long ago, and the editor wrote the rest.
        fetchStatus: 'ok',
        editedFields: link.title ? ['title'] : [],
        position: firstPosition + index,
        ...(link.createdAt ? { createdAt: new Date(link.createdAt) } : {}),
      })),
      tx,
    );
    let written = ids.length;
    for (const [index, link] of list.entries()) written += await insertLevel(link.children, { ...base, parentId: ids[index]! }, 1, tx);
    return written;
  }

  return {
    relocate,

    /** Writes imported links with their nested items at the end of a group (an edition's or the inbox's category), inside the caller's transaction. */
    async insertTree(
      { actor, links: list, editionId, categoryId }: { actor: Actor; links: LinkTree[]; editionId: string | null; categoryId: string | null },
      tx: DbOrTx = db,
    ): Promise<number> {
      if (list.length === 0) return 0;
      const first = await links.endPosition({ editionId, categoryId }, 'last', tx);
      return insertLevel(list, { editionId, categoryId, parentId: null, createdBy: actor.id }, first, tx);
    },

    /** The URLs of this list already in Veille (compared as duplicates are, by `comparableUrl`), with where they are. */
    async knownUrls({ urls }: { urls: string[] }, tx: DbOrTx = db): Promise<KnownUrl[]> {
      const normalized = [...new Set(urls.map(comparableUrl))];
      const found: KnownUrl[] = [];
      for (let start = 0; start < normalized.length; start += KNOWN_URLS_BATCH)
        found.push(...(await links.findByNormalizedUrls(normalized.slice(start, start + KNOWN_URLS_BATCH), tx)));
      return found;
    },
  };
}
