import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { periodParams } from '../../plugins/api.ts';
import { sendCsv } from './stats-routes.ts';

const topQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) });

/** /api/v1: an edition's clicks per link (JSON or CSV) and the links followed most across editions. */
export async function statsApi(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/editions/:period/stats', async (request) => {
    const { period } = periodParams.parse(request.params);
    const [stats, health] = await Promise.all([services.clicks.editionClicks({ edition: period }), services.linkHealth.report({ edition: period })]);
    return {
      period: stats.edition.period,
      title: stats.edition.title,
      status: stats.edition.status,
      counting: stats.counting,
      sentAt: stats.sentAt,
      delivered: stats.delivered,
      clicks: stats.totalClicks,
      links: stats.links.map((link) => ({
        id: link.linkId,
        title: link.title,
        url: link.url,
        section: link.section,
        nested: link.depth > 0,
        clicks: link.clicks,
        share: link.share,
      })),
      hourly: stats.hourly,
      deadLinks: health.dead.map((link) => ({
        id: link.linkId,
        title: link.title,
        url: link.url,
        reason: link.reason,
        deadSince: link.deadSince,
        lastCheckedAt: link.lastCheckedAt,
        archivedCopy: link.archivedCopy,
      })),
    };
  });

  app.get('/editions/:period/stats.csv', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    return sendCsv(reply, await services.clicks.editionCsv({ edition: period }));
  });

  app.get('/stats/links', async (request) => {
    const { limit } = topQuery.parse(request.query);
    const links = await services.clicks.topLinks({ limit });
    return {
      links: links.map((link) => ({
        id: link.linkId,
        title: link.title,
        url: link.url,
        period: link.period,
        edition: link.editionTitle,
        clicks: link.clicks,
        delivered: link.delivered,
        share: link.share,
      })),
    };
  });
}
