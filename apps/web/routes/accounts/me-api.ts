import type { FastifyInstance } from 'fastify';

/** /api/v1/me: who the token belongs to. */
export async function meApi(app: FastifyInstance) {
  app.get('/me', async (request) => {
    const user = request.user!;
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  });
}
