import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../domain/services.ts';
import { bearerAuth } from '../plugins/auth.ts';
import { linkJson } from '../view-models/link-json.ts';

const idParams = z.object({ id: z.string().max(100) });

/** A JSON body must be an object; anything else is a 400 with the reason. */
function objectBody(body: unknown): Record<string, unknown> {
  return z.record(z.string(), z.unknown(), { error: 'The body must be a JSON object.' }).parse(body ?? {});
}

/** The JSON API, authenticated by personal tokens. */
export async function apiRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addHook('onRequest', async (request) => {
    // The API authenticates by token only; a session cookie sent along by a browser means nothing here.
    request.user = undefined;
    request.session = undefined;
  });
  app.addHook('preHandler', bearerAuth(services));

  app.get('/me', async (request) => {
    const user = request.user!;
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  });

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

  app.get('/categories', async () => {
    const categories = await services.categories.list({ includeArchived: true });
    return { categories: categories.map(({ id, name, position, archivedAt }) => ({ id, name, position, archived: Boolean(archivedAt) })) };
  });
}
