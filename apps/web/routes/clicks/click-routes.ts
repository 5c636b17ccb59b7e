import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { NotFoundError } from '../../../domain/platform/errors.ts';

const clickParams = z.object({ period: z.string().max(10), click: z.string().max(40) });

/** The counted addresses of the emails' links: a 302 to the link's page, a 404 for anything not signed here. */
export async function clickRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // HEAD answers the same redirect (link checkers follow it) without being counted.
  app.get('/c/:period/:click', { config: { rateLimit: { max: 300, timeWindow: 60_000 } } }, async (request, reply) => {
    const params = clickParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('This link does not exist.');
    const { location } = await services.clicks.follow({
      ...params.data,
      method: request.method,
      userAgent: request.headers['user-agent'],
      ip: request.ip,
    });
    // Each click must reach the server to be counted, and none belongs in a search index.
    return reply.header('Cache-Control', 'no-store').header('X-Robots-Tag', 'noindex').redirect(location, 302);
  });
}
