import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';

/** The owner's export: a page saying what it holds, and the whole newsletter as a zip download. */
export async function exportRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // Subscribers' addresses and consent records are in the archive: owners only (the service's
  // rule; the hook answers before anything is read).
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('newsletter.export'));

  app.get('/export', async (request, reply) => reply.render('admin/export', { summary: await services.exports.summary({ actor: request.user! }) }));

  app.get('/export.zip', async (request, reply) => {
    const archive = await services.exports.zip({ actor: request.user! });
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${archive.filename}"`)
      .header('cache-control', 'no-store')
      .send(archive.stream);
  });
}
