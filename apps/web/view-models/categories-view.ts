import type { Services } from '../../bootstrap/services.ts';

/** What the categories page shows: the active categories in their order, the archived ones, the defaults it offers, an empty form. */
export async function categoriesPage({ categories, settings }: Pick<Services, 'categories' | 'settings'>): Promise<Record<string, unknown>> {
  const [all, current] = await Promise.all([categories.list({ includeArchived: true }), settings.get()]);
  return {
    active: all.filter((category) => !category.archivedAt),
    archived: all.filter((category) => category.archivedAt),
    defaults: current.defaultCategories,
    values: {},
    errors: {},
  };
}
