import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services.ts';

/** The public site: the home page for now; editions and the archive hang off it. */
export async function publicRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/', async (_request, reply) => {
    const settings = await services.settings.get();
    return reply.render('public/home', { settings });
  });
}
