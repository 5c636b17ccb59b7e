import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';

/** GET /healthz: 200 when the database answers, 503 otherwise (for Docker, Caddy and monitors). */
export async function healthRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/healthz', async (request, reply) => {
    const health = await services.health.check();
    reply.header('Cache-Control', 'no-store');
    if (health.status === 'ok') return { status: 'ok' };
    request.log.warn({ err: health.error }, 'health check failed');
    return reply.code(503).send({ status: 'unavailable', reason: health.reason });
  });
}
