import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import { wantsFragment } from '../../plugins/render.ts';

const idParams = z.object({ id: z.string().max(100) });
const nameBody = z.object({ name: z.unknown().optional() });
const orderBody = z.object({ ids: z.union([z.array(z.string().max(100)).max(500), z.string().max(100)]).optional() });

/** Categories: create, rename, reorder by drag and drop, archive. */
export async function categoriesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { categories, settings } = services;
  app.addHook('onRequest', requireUser);

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const [all, current] = await Promise.all([categories.list({ includeArchived: true }), settings.get()]);
    const data = { active: all.filter((c) => !c.archivedAt), archived: all.filter((c) => c.archivedAt), defaults: current.defaultCategories, values: {}, errors: {}, ...extra };
    return reply.code(status).render('admin/categories', data, { fragment: 'partials/categories' });
  }

  app.get('/', async (request, reply) => page(request, reply));

  app.post('/', async (request, reply) => {
    const body = nameBody.parse(request.body ?? {});
    try {
      const category = await categories.create(body);
      if (!wantsFragment(request)) return reply.flash('success', `Category “${category.name}” created.`).redirect('/admin/categories', 303);
      return page(request, reply);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return page(request, reply, { values: { name: typeof body.name === 'string' ? body.name : '' }, errors: error.fields }, 422);
    }
  });

  app.post('/defaults', async (request, reply) => {
    await categories.createDefaults((await settings.get()).defaultCategories);
    if (!wantsFragment(request)) return reply.flash('success', 'Default categories created.').redirect('/admin/categories', 303);
    return page(request, reply);
  });

  app.post('/order', async (request, reply) => {
    const body = orderBody.parse(request.body ?? {});
    const ids = body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids];
    await categories.reorder(ids);
    if (!wantsFragment(request)) return reply.redirect('/admin/categories', 303);
    return reply.code(204).send();
  });

  app.post('/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const body = nameBody.parse(request.body ?? {});
    try {
      await categories.rename(id, body);
      if (!wantsFragment(request)) return reply.flash('success', 'Category renamed.').redirect('/admin/categories', 303);
      return page(request, reply);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return page(request, reply, { renameErrors: { [id]: error.fields.name ?? error.message }, renameValues: { [id]: body.name } }, 422);
    }
  });

  app.post('/:id/archive', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { archived } = z.object({ archived: z.enum(['true', 'false']).default('true') }).parse(request.body ?? {});
    const category = await categories.archive(id, archived === 'true');
    if (!wantsFragment(request)) return reply.flash('success', `“${category.name}” ${archived === 'true' ? 'archived' : 'restored'}.`).redirect('/admin/categories', 303);
    return page(request, reply);
  });
}
