import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';

/** GET /healthz: 200 when the database answers, 503 otherwise (for Docker, Caddy and monitors). */
export async function healthRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/healthz', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    try {
      await Promise.race([
        services.health.check(),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('database check timed out')), 2000).unref()),
      ]);
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable', reason: 'database' });
    }
  });
}
