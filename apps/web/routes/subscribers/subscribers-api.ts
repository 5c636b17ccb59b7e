import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { idParams, objectBody } from '../../plugins/api.ts';

/** /api/v1/subscribers: the readers, for owners. */
export async function subscribersApi(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/subscribers', async (request) => {
    const query = z.object({ status: z.string().optional(), q: z.string().optional(), page: z.string().optional() }).parse(request.query);
    const { rows, total, page } = await services.subscribers.list({ ...query, actor: request.user! });
    return {
      subscribers: rows.map((row) => ({
        id: row.id,
        email: row.email,
        status: row.status,
        source: row.source,
        createdAt: row.createdAt,
        confirmedAt: row.confirmedAt,
        unsubscribedAt: row.unsubscribedAt,
      })),
      total,
      page,
    };
  });

  app.post('/subscribers', async (request, reply) => {
    const subscriber = await services.subscribers.add({ ...objectBody(request.body), actor: request.user! });
    return reply.code(201).send({ id: subscriber.id, email: subscriber.email, status: subscriber.status, createdAt: subscriber.createdAt });
  });

  app.delete('/subscribers/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await services.subscribers.erase({ actor: request.user!, id });
    return reply.code(204).send();
  });
}
