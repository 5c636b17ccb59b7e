import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { CategoriesRepository, Category } from '../../../db/repositories/categories-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { nameField, parseInput } from '../platform/validation.ts';

export type { Category };

/** Categories: the sections of an edition, in their order. */
export function createCategoriesService({ db, categories, clock }: { db: Database; categories: CategoriesRepository; clock: Clock }) {
  async function get(id: string): Promise<Category> {
    const found = z.uuid().safeParse(id).success ? await categories.findById(id) : undefined;
    if (!found) throw new NotFoundError('This category does not exist.');
    return found;
  }

  return {
    list: (options: { includeArchived?: boolean } = {}) => categories.list(options),
    get,

    async create(input: { name?: unknown }): Promise<Category> {
      const { name } = parseInput(z.object({ name: nameField }), input);
      const existing = await categories.findByName(name);
      if (existing && !existing.archivedAt) throw new ValidationError('This category exists already.', { name: `"${existing.name}" exists already.` });
      if (existing) return (await categories.update(existing.id, { archivedAt: null }))!;
      return categories.insert({ name, position: await categories.nextPosition() });
    },

    async rename(id: string, input: { name?: unknown }): Promise<Category> {
      const category = await get(id);
      const { name } = parseInput(z.object({ name: nameField }), input);
      const other = await categories.findByName(name);
      if (other && other.id !== category.id) throw new ValidationError('Another category has this name.', { name: `"${other.name}" exists already.` });
      return (await categories.update(id, { name }))!;
    },

    /** Sets the order of categories to the ids given (others keep their relative order, after them). */
    async reorder(ids: string[]): Promise<Category[]> {
      const all = await categories.list({ includeArchived: true });
      const known = ids.filter((id) => all.some((category) => category.id === id));
      const rest = all.filter((category) => !known.includes(category.id)).map((category) => category.id);
      await db.transaction(async (tx) => {
        for (const [index, id] of [...known, ...rest].entries()) await categories.update(id, { position: index + 1 }, tx);
      });
      return categories.list();
    },

    /** Archived categories leave the inbox and new editions; their links keep them. */
    async archive(id: string, archived: boolean): Promise<Category> {
      await get(id);
      return (await categories.update(id, { archivedAt: archived ? clock.now() : null }))!;
    },

    /** Creates the categories named in the settings that do not exist yet, in that order. */
    async createDefaults(names: string[]): Promise<Category[]> {
      await db.transaction(async (tx) => {
        let position = await categories.nextPosition(tx);
        for (const name of names) {
          if (!(await categories.findByName(name, tx))) await categories.insert({ name, position: position++ }, tx);
        }
      });
      return categories.list();
    },
  };
}

export type CategoriesService = ReturnType<typeof createCategoriesService>;
