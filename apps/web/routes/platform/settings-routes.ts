import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords } from '../../plugins/render.ts';
import { settingsView } from '../../view-models/settings-view.ts';

const settingsBody = z.object({
  newsletterName: z.unknown().optional(),
  description: z.unknown().optional(),
  locale: z.unknown().optional(),
  timeZone: z.unknown().optional(),
  titleTemplate: z.unknown().optional(),
  cadence: z.unknown().optional(),
  footer: z.unknown().optional(),
  senderName: z.unknown().optional(),
  senderEmail: z.unknown().optional(),
  clickCounting: z.unknown().optional(),
});

// The preview's fields as typed; the service checks each and falls back on the saved settings.
const previewQuery = z.object({
  titleTemplate: z.string().max(1000).optional(),
  newsletterName: z.string().max(1000).optional(),
  locale: z.string().max(10).optional(),
  cadence: z.string().max(20).optional(),
});

/** The newsletter's settings: everyone reads them, owners change them. */
export async function settingsRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Pick<Config, 'publicUrl'> }) {
  app.addHook('onRequest', requireUser);
  const settingsForm: FormRoute = { template: 'admin/settings', page: async (request) => settingsView(services, config, request.body) };

  app.get('/', async (_request, reply) => reply.render('admin/settings', await settingsView(services, config)));

  // The title template's live preview: the title the current period's edition would get.
  app.get('/title-preview', async (request, reply) => {
    const preview = await services.editions.titlePreview(previewQuery.parse(request.query));
    return reply.render('partials/title-preview', { preview });
  });

  app.post('/', { preHandler: requirePermission('settings.change'), config: { form: settingsForm } }, async (request, reply) => {
    await services.settings.update({ actor: request.user!, input: settingsBody.parse(request.body ?? {}) });
    return reply.flash('success', adminWords(request).settings.saved).redirect('/admin/settings', 303);
  });
}
