import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import { idParams, objectBody } from '../../plugins/api.ts';
import { linkJson } from '../../view-models/link-json.ts';

/** /api/v1/links: the inbox and every link, as JSON. */
export async function linksApi(app: FastifyInstance, { services }: { services: Services }) {
  const { links } = services;

  app.post('/links', async (request, reply) => {
    const { link, duplicates } = await links.add({ actor: request.user!, input: objectBody(request.body) });
    return reply
      .code(201)
      .header('Location', `/api/v1/links/${link.id}`)
      .send(linkJson({ ...link, children: [] }, duplicates));
  });

  app.get('/links', async (request) => {
    const { links: found, nextCursor } = await links.list(request.query as Record<string, unknown>);
    return { links: found.map((link) => linkJson(link)), nextCursor };
  });

  app.get('/links/:id', async (request) => linkJson(await links.getWithChildren(idParams.parse(request.params))));

  app.patch('/links/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const { duplicates } = await links.update({ id, input: objectBody(request.body) });
    return linkJson(await links.getWithChildren({ id }), duplicates);
  });

  app.delete('/links/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await links.remove({ ids: [id] });
    return reply.code(204).send();
  });
}
