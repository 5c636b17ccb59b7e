import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services.ts';
import { bearerAuth } from '../plugins/auth.ts';

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
}
