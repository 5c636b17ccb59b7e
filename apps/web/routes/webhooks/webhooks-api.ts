import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import type { Webhook, WebhookDelivery } from '../../../domain/webhooks/webhooks-service.ts';
import { idParams, objectBody } from '../../plugins/api.ts';

const hookJson = (hook: Webhook, withSecret: boolean) => ({
  id: hook.id,
  url: hook.url,
  description: hook.description,
  events: hook.events,
  active: hook.active,
  createdAt: hook.createdAt,
  ...(withSecret ? { secret: hook.secret } : {}),
});
const deliveryJson = (delivery: WebhookDelivery) => ({
  id: delivery.id,
  eventId: delivery.eventId,
  event: delivery.event,
  status: delivery.status,
  attempts: delivery.attempts,
  responseCode: delivery.responseCode,
  response: delivery.response,
  createdAt: delivery.createdAt,
  lastAttemptAt: delivery.lastAttemptAt,
  deliveredAt: delivery.deliveredAt,
});

/** /api/v1/webhooks: the outgoing webhooks, for owners; the secret is in the answers that create or show one. */
export async function webhooksApi(app: FastifyInstance, { services }: { services: Services }) {
  const { webhooks } = services;

  app.get('/webhooks', async (request) => ({ webhooks: (await webhooks.list({ actor: request.user! })).map((hook) => hookJson(hook, false)) }));

  app.post('/webhooks', async (request, reply) => {
    const hook = await webhooks.create({ ...objectBody(request.body), actor: request.user! });
    return reply.code(201).send(hookJson(hook, true));
  });

  app.get('/webhooks/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const { webhook, deliveries } = await webhooks.get({ actor: request.user!, id });
    return { ...hookJson(webhook, true), deliveries: deliveries.map(deliveryJson) };
  });

  app.patch('/webhooks/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    return hookJson(await webhooks.update({ ...objectBody(request.body), actor: request.user!, id }), false);
  });

  app.delete('/webhooks/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await webhooks.remove({ actor: request.user!, id });
    return reply.code(204).send();
  });
}
