import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import type { User } from '../../../domain/platform/types.ts';
import { periodParams } from '../../plugins/api.ts';

/** /api/v1/editions/:period/send: starting a send and following it. */
export async function deliveryApi(app: FastifyInstance, { services }: { services: Services }) {
  app.post('/editions/:period/send', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    await services.delivery.start({ period, actor: request.user! });
    return reply.code(202).send(await sendJson(period, request.user!));
  });

  app.get('/editions/:period/send', async (request) => {
    const { period } = periodParams.parse(request.params);
    return sendJson(period, request.user!);
  });

  // The per-subscriber report names readers: the service leaves it empty for editors.
  async function sendJson(period: string, actor: User) {
    const status = await services.delivery.status({ period, actor, reportLimit: 1000 });
    if (!status.send) return { status: 'not_sent' };
    return {
      status: status.send.status,
      startedAt: status.send.createdAt,
      finishedAt: status.send.finishedAt,
      progress: status.progress,
      ratePerSecond: Number(status.rate.toFixed(2)),
      etaSeconds: status.etaSeconds,
      report: status.report,
    };
  }
}
