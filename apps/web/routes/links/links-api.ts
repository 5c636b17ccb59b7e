import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import { idParams, objectBody } from '../../plugins/api.ts';
import { linkJson } from '../../view-models/link-json.ts';

/** /api/v1/links: the inbox and every link, as JSON. */
export async function linksApi(app: FastifyInstance, { services }: { services: Services }) {
  app.post('/links', async (request, reply) => {
    const { link, duplicates } = await services.links.add(objectBody(request.body), request.user!);
    return reply.code(201).header('Location', `/api/v1/links/${link.id}`).send(linkJson({ ...link, children: [] }, duplicates));
  });

  app.get('/links', async (request) => {
    const { links, nextCursor } = await services.links.list(request.query as Record<string, unknown>);
    return { links: links.map((link) => linkJson(link)), nextCursor };
  });

  app.get('/links/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    return linkJson(await services.links.getWithChildren(id));
  });

  app.patch('/links/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const { link, duplicates } = await services.links.update(id, objectBody(request.body));
    return linkJson(await services.links.getWithChildren(link.id), duplicates);
  });

  app.delete('/links/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await services.links.remove([id]);
    return reply.code(204).send();
  });
}
