import type { Database, DbOrTx } from '../../../db/client.ts';
import type { Link, LinksRepository } from '../../../db/repositories/links-repository.ts';
import type { CategoriesService, Category } from '../categories/categories-service.ts';
import { editionPath } from '../editions/periods.ts';
import { NotFoundError, ValidationError, type ErrorCodes } from '../platform/errors.ts';

/** Where else a URL appears: in the inbox, or in an edition (with its public address when published). */
export type Duplicate = {
  id: string;
  title: string;
  where: 'inbox' | 'edition';
  edition: { period: string; title: string; status: string; path: string | null } | null;
};

/** The codes of a refusal for a category that does not exist (named, when the form gave a name). */
export function unknownCategory(field: 'category' | 'categoryId', name?: string): ErrorCodes {
  return { code: 'unknown_category', fieldCodes: { [field]: name === undefined ? { code: 'unknown_category' } : { code: 'unknown_category', name } } };
}

/** The codes of a refusal for a parent link a link cannot be nested under. */
export function parentRefused(code: 'parent_self' | 'parent_unknown' | 'parent_nested' | 'parent_has_children'): ErrorCodes {
  return { code: code === 'parent_nested' || code === 'parent_has_children' ? 'parent_depth' : code, fieldCodes: { parentId: { code } } };
}

/** What a link form's category and parent fields name: the category and the parent link they resolve to, with the reason when they name nothing. */
export function createLinkPlacement({
  db,
  links,
  categories,
}: {
  db: Database;
  links: LinksRepository;
  categories: Pick<CategoriesService, 'get' | 'resolve' | 'findByName'>;
}) {
  /** The category of that id, or undefined. */
  async function findCategory(id: string, tx: DbOrTx = db): Promise<Category | undefined> {
    try {
      return await categories.get({ id }, tx);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async function categoryById(id: string, tx: DbOrTx): Promise<Category> {
    const found = await findCategory(id, tx);
    if (!found) throw new ValidationError('Unknown category.', { categoryId: 'This category does not exist.' }, unknownCategory('categoryId'));
    return found;
  }

  /** The category a link form names (by id or by name); null for none, undefined when the form does not say. */
  async function resolveCategory(
    input: { category?: string; categoryId?: string | null },
    options: { create: boolean },
    tx: DbOrTx = db,
  ): Promise<Category | null | undefined> {
    if (input.categoryId === '' || input.categoryId === null) return null;
    if (input.categoryId) return categoryById(input.categoryId, tx);
    if (input.category === undefined) return undefined;
    if (input.category === '') return null;
    if (!options.create && !(await categories.findByName({ name: input.category }, tx))) {
      throw new ValidationError(
        'Unknown category.',
        { category: `There is no category named "${input.category}".` },
        unknownCategory('category', input.category),
      );
    }
    // Filing a link into an archived category brings the category back.
    return (await categories.resolve({ name: input.category, restore: true }, tx)).category;
  }

  async function resolveParent(parentId: string | null | undefined, selfId?: string): Promise<Link | null | undefined> {
    if (parentId === undefined) return undefined;
    if (parentId === '' || parentId === null) return null;
    if (parentId === selfId)
      throw new ValidationError('A link cannot be nested under itself.', { parentId: 'A link cannot be nested under itself.' }, parentRefused('parent_self'));
    const parent = await links.findById(parentId);
    if (!parent) throw new ValidationError('Unknown parent link.', { parentId: 'The parent link does not exist.' }, parentRefused('parent_unknown'));
    if (parent.parentId)
      throw new ValidationError('Links nest one level deep.', { parentId: 'Choose a top-level link as the parent.' }, parentRefused('parent_nested'));
    return parent;
  }

  return { findCategory, categoryById, resolveCategory, resolveParent };
}

/** Where each of these links sits, as a duplicate warning says it. */
export function describeDuplicates(found: Link[]): Duplicate[] {
  return found.map((link) => ({
    id: link.id,
    title: link.title ?? link.url,
    where: link.edition ? 'edition' : 'inbox',
    edition: link.edition
      ? {
          period: link.edition.period,
          title: link.edition.title,
          status: link.edition.status,
          path: link.edition.status === 'published' ? editionPath(link.edition) : null,
        }
      : null,
  }));
}
