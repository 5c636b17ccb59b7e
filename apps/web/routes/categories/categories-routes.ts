import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { linkFormWords } from '../links/link-form-words.ts';
import { categoriesPage } from '../../view-models/categories-view.ts';

const idParams = z.object({ id: z.string().max(100) });
const nameBody = z.object({ name: z.unknown().optional() });
const orderBody = z.object({ ids: z.union([z.array(z.string().max(100)).max(500), z.string().max(100)]).optional() });
const archiveBody = z.object({ archived: z.enum(['true', 'false']).default('true') });

/** Categories: create, rename, reorder by drag and drop, archive. */
export async function categoriesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { categories, settings } = services;
  app.addHook('onRequest', requireUser);

  const page = () => categoriesPage(services);
  const fragment = 'partials/categories';
  const createForm: FormRoute = { template: 'admin/categories', fragment, page, words: linkFormWords() };
  // The rename forms are one per category: the page says which one the answer is about.
  const renameForm: FormRoute = {
    template: 'admin/categories',
    fragment,
    page: async (request) => ({ ...(await page()), renameId: idParams.parse(request.params).id, renameValues: {} }),
    keys: { values: 'renameValues', errors: 'renameErrors', error: 'renameError' },
    words: linkFormWords(),
  };

  app.get('/', async (_request, reply) => reply.render('admin/categories', await page(), { fragment }));

  app.post('/', { config: { form: createForm } }, async (request, reply) => {
    const { name } = nameBody.parse(request.body ?? {});
    const category = await categories.create({ name });
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.categories.created(category.name)).redirect('/admin/categories', 303);
    return reply.render('admin/categories', await page(), { fragment });
  });

  app.post('/defaults', async (request, reply) => {
    await categories.createDefaults({ names: (await settings.get()).defaultCategories });
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.categories.defaultsCreated).redirect('/admin/categories', 303);
    return reply.render('admin/categories', await page(), { fragment });
  });

  app.post('/order', async (request, reply) => {
    const body = orderBody.parse(request.body ?? {});
    await categories.reorder({ ids: body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids] });
    if (!wantsFragment(request)) return reply.redirect('/admin/categories', 303);
    return reply.code(204).send();
  });

  app.post('/:id', { config: { form: renameForm } }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { name } = nameBody.parse(request.body ?? {});
    await categories.rename({ id, name });
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.categories.renamed).redirect('/admin/categories', 303);
    return reply.render('admin/categories', await page(), { fragment });
  });

  app.post('/:id/archive', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { archived } = archiveBody.parse(request.body ?? {});
    const category = await categories.archive({ id, archived: archived === 'true' });
    const words = adminWords(request).links.categories;
    if (!wantsFragment(request))
      return reply
        .flash('success', archived === 'true' ? words.archivedNotice(category.name) : words.restoredNotice(category.name))
        .redirect('/admin/categories', 303);
    return reply.render('admin/categories', await page(), { fragment });
  });
}
