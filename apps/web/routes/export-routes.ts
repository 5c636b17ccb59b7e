import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services.ts';
import { requireOwner, requireUser } from '../plugins/auth.ts';

/** The owner's export: a page saying what it holds, and the whole newsletter as a zip download. */
export async function exportRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // Subscribers' addresses and consent records are in the archive: owners only.
  app.addHook('preHandler', requireUser);
  app.addHook('preHandler', requireOwner);

  app.get('/export', async (_request, reply) => {
    return reply.render('admin/export', { summary: await services.exports.summary() });
  });

  app.get('/export.zip', async (_request, reply) => {
    const archive = await services.exports.zip();
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${archive.filename}"`)
      .header('cache-control', 'no-store')
      .send(archive.stream);
  });
}
