import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import { dashboardView } from '../../view-models/dashboard-view.ts';

/** The admin's home: where the newsletter stands. */
export async function dashboardRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addHook('onRequest', requireUser);

  app.get('/', async (_request, reply) => reply.render('admin/dashboard', await dashboardView(services)));
}
