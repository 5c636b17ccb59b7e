import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';

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

/** The newsletter's settings: everyone reads them, owners change them. */
export async function settingsRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Pick<Config, 'publicUrl'> }) {
  app.addHook('onRequest', requireUser);
  const settingsForm: FormRoute = { template: 'admin/settings', page: async () => ({ publicUrl: config.publicUrl }) };

  app.get('/', async (_request, reply) => reply.render('admin/settings', { values: await services.settings.get(), errors: {}, publicUrl: config.publicUrl }));

  app.post('/', { preHandler: requirePermission('settings.change'), config: { form: settingsForm } }, async (request, reply) => {
    await services.settings.update({ actor: request.user!, input: settingsBody.parse(request.body ?? {}) });
    return reply.flash('success', 'Settings saved.').redirect('/admin/settings', 303);
  });
}
