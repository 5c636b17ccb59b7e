import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { EVENT_DESCRIPTIONS, WEBHOOK_EVENTS } from '../../../domain/webhooks/webhook-events.ts';
import { SIGNATURE_HEADER } from '../../../domain/webhooks/webhook-signing.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import { readersFormWords } from '../../form-words.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords } from '../../plugins/render.ts';

const idParams = z.object({ id: z.string().max(100) });
const actionParams = idParams.extend({ action: z.enum(['ping', 'roll-secret', 'delete']) });
/** The form's fields: the events as checkboxes (one value or several), "active" as a checkbox. */
const hookForm = z.object({
  url: z.unknown().optional(),
  events: z.unknown().optional(),
  description: z.unknown().optional(),
  active: z.string().max(10).optional(),
});

/** The owners' outgoing webhooks: the list, a new one, each hook's page with its deliveries. */
export async function webhooksRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { webhooks } = services;
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('webhooks.manage'));

  const events = WEBHOOK_EVENTS.map((name) => ({ name, description: EVENT_DESCRIPTIONS[name] }));
  const listPage = async (request: FastifyRequest) => ({
    hooks: await webhooks.list({ actor: request.user! }),
    events,
    signatureHeader: SIGNATURE_HEADER,
    values: {},
    errors: {},
  });
  const hookPage = async (request: FastifyRequest) => ({
    ...(await webhooks.get({ actor: request.user!, id: idParams.parse(request.params).id })),
    events,
    signatureHeader: SIGNATURE_HEADER,
  });
  const createForm: FormRoute = { template: 'admin/webhooks', page: listPage, words: readersFormWords };
  const updateForm: FormRoute = { template: 'admin/webhook', page: hookPage, words: readersFormWords };

  app.get('/', async (request, reply) => reply.render('admin/webhooks', await listPage(request)));

  app.post('/', { config: { form: createForm } }, async (request, reply) => {
    const { active: _active, ...input } = hookForm.parse(request.body ?? {});
    const hook = await webhooks.create({ actor: request.user!, ...input });
    return reply.flash('success', adminWords(request).readers.webhooks.registered).redirect(`/admin/webhooks/${hook.id}`, 303);
  });

  app.get('/:id', async (request, reply) => reply.render('admin/webhook', await hookPage(request)));

  app.post('/:id', { config: { form: updateForm } }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { active, ...input } = hookForm.parse(request.body ?? {});
    await webhooks.update({ actor: request.user!, id, ...input, active: active === 'on' });
    return reply.flash('success', adminWords(request).readers.webhooks.saved).redirect(`/admin/webhooks/${id}`, 303);
  });

  app.post('/:id/:action', async (request, reply) => {
    const { id, action } = actionParams.parse(request.params);
    if (action === 'delete') {
      await webhooks.remove({ actor: request.user!, id });
      return reply.flash('success', adminWords(request).readers.webhooks.removed).redirect('/admin/webhooks', 303);
    }
    if (action === 'ping') await webhooks.ping({ actor: request.user!, id });
    else await webhooks.rollSecret({ actor: request.user!, id });
    const words = adminWords(request).readers.webhooks;
    return reply.flash('success', action === 'ping' ? words.pinged : words.rolled).redirect(`/admin/webhooks/${id}`, 303);
  });
}
