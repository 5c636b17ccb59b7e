import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';

/** /api/v1/categories: the sections, in their order. */
export async function categoriesApi(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/categories', async () => {
    const categories = await services.categories.list({ includeArchived: true });
    return { categories: categories.map(({ id, name, position, archivedAt }) => ({ id, name, position, archived: Boolean(archivedAt) })) };
  });
}
