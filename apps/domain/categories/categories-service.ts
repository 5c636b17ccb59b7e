import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { CategoriesRepository, Category } from '../../../db/repositories/categories-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError, type ErrorCodes } from '../platform/errors.ts';
import { nameField, parseInput } from '../platform/validation.ts';

export type { Category };

/** How `resolve` found the category a name designates. */
export type Resolution = { category: Category; status: 'created' | 'found' | 'restored' };

/** A name as an import reads it, with the key the categories table knows it by and the category it designates already, if any. */
export type NameMatch = { name: string; key: string; existing: Category | undefined };

const nameInput = z.object({ name: nameField });

/** The codes of a refusal for a name another category has. */
function nameTaken(name: string): ErrorCodes {
  return { code: 'category_exists', fieldCodes: { name: { code: 'category_exists', name } } };
}

/** A unique index refused the write: another category took the name meanwhile. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === '23505';
}

/** Categories: the sections of an edition, in their order. */
export function createCategoriesService({ db, categories, clock }: { db: Database; categories: CategoriesRepository; clock: Clock }) {
  async function get({ id }: { id: string }, tx: DbOrTx = db): Promise<Category> {
    const found = z.uuid().safeParse(id).success ? await categories.findById(id, tx) : undefined;
    if (!found) throw new NotFoundError('This category does not exist.');
    return found;
  }

  /**
   * The category a name designates, created at the end of the list when there is none: the one
   * way a name becomes a category, for the admin, the API and imports alike. Names are compared by
   * their key (accents and case folded, whitespace collapsed), so "donnees" finds "Données".
   * `restore` brings an archived category back; otherwise it is found as it is.
   */
  async function resolve({ name, restore = false }: { name: unknown; restore?: boolean }, tx: DbOrTx = db): Promise<Resolution> {
    const values = parseInput(nameInput, { name });
    const existing = await categories.findByName(values.name, tx);
    if (existing) {
      if (!restore || !existing.archivedAt) return { category: existing, status: 'found' };
      return { category: (await categories.update(existing.id, { archivedAt: null }, tx))!, status: 'restored' };
    }
    const inserted = await categories.insertIfAbsent({ name: values.name, position: await categories.nextPosition(tx) }, tx);
    // Created by someone else between the lookup and the insert: theirs is the one.
    if (!inserted) return resolve({ name, restore }, tx);
    return { category: inserted, status: 'created' };
  }

  return {
    list: (options: { includeArchived?: boolean } = {}) => categories.list(options),
    get,
    resolve,

    /** The category a name designates (by its key), if there is one. */
    findByName: ({ name }: { name: string }, tx: DbOrTx = db): Promise<Category | undefined> => categories.findByName(name, tx),

    /** For each name, its key and the category it designates already: what an import reports before creating anything. */
    async match({ names }: { names: string[] }, tx: DbOrTx = db): Promise<NameMatch[]> {
      const [keys, all] = await Promise.all([categories.keysOf(names, tx), categories.list({ includeArchived: true }, tx)]);
      const byKey = new Map(all.map((category) => [category.nameKey, category]));
      return names.map((name, index) => ({ name, key: keys[index]!, existing: byKey.get(keys[index]!) }));
    },

    /** A new category from the admin's form; a name that designates an archived one brings it back. */
    async create({ name }: { name: unknown }): Promise<Category> {
      const { category, status } = await resolve({ name, restore: true });
      if (status === 'found')
        throw new ValidationError('This category exists already.', { name: `"${category.name}" exists already.` }, nameTaken(category.name));
      return category;
    },

    async rename({ id, name }: { id: string; name: unknown }): Promise<Category> {
      const category = await get({ id });
      const values = parseInput(nameInput, { name });
      const other = await categories.findByName(values.name);
      const taken = () =>
        new ValidationError(
          'Another category has this name.',
          { name: `"${other?.name ?? values.name}" exists already.` },
          nameTaken(other?.name ?? values.name),
        );
      if (other && other.id !== category.id) throw taken();
      try {
        return (await categories.update(id, { name: values.name }))!;
      } catch (error) {
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
    },

    /** Sets the order of categories to the ids given (others keep their relative order, after them). */
    async reorder({ ids }: { ids: string[] }): Promise<Category[]> {
      const all = await categories.list({ includeArchived: true });
      const known = ids.filter((id) => all.some((category) => category.id === id));
      const rest = all.filter((category) => !known.includes(category.id)).map((category) => category.id);
      await db.transaction(async (tx) => {
        for (const [index, id] of [...known, ...rest].entries()) await categories.update(id, { position: index + 1 }, tx);
      });
      return categories.list();
    },

    /** Archived categories leave the inbox and new editions; their links keep them. */
    async archive({ id, archived }: { id: string; archived: boolean }, tx: DbOrTx = db): Promise<Category> {
      await get({ id }, tx);
      return (await categories.update(id, { archivedAt: archived ? clock.now() : null }, tx))!;
    },

    /** Creates the categories named in the settings that do not exist yet, in that order. */
    async createDefaults({ names }: { names: string[] }): Promise<Category[]> {
      await db.transaction(async (tx) => {
        for (const name of names) await resolve({ name }, tx);
      });
      return categories.list();
    },
  };
}

export type CategoriesService = ReturnType<typeof createCategoriesService>;
