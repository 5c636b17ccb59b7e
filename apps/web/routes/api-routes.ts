import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import type { User } from '../../domain/platform/types.ts';
import { bearerAuth } from '../plugins/auth.ts';
import { linkJson } from '../view-models/link-json.ts';

const idParams = z.object({ id: z.string().max(100) });

/** A JSON body must be an object; anything else is a 400 with the reason. */
function objectBody(body: unknown): Record<string, unknown> {
  return z.record(z.string(), z.unknown().optional(), { error: 'The body must be a JSON object.' }).parse(body ?? {});
}

/** The JSON API, authenticated by personal tokens. */
export async function apiRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // A token is sent on purpose, never by a browser on its own: scripts and extensions may call the
  // API from anywhere.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, crossSite: true };
  });
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

  app.post('/links', async (request, reply) => {
    const { link, duplicates } = await services.links.add(objectBody(request.body), request.user!);
    return reply.code(201).header('Location', `/api/v1/links/${link.id}`).send(linkJson({ ...link, children: [] }, duplicates));
  });

  app.get('/links', async (request) => {
    const { links, nextCursor } = await services.links.list(request.query as Record<string, unknown>);
    return { links: links.map((link) => linkJson(link)), nextCursor };
  });

  app.get('/links/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    return linkJson(await services.links.getWithChildren(id));
  });

  app.patch('/links/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const { link, duplicates } = await services.links.update(id, objectBody(request.body));
    return linkJson(await services.links.getWithChildren(link.id), duplicates);
  });

  app.delete('/links/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await services.links.remove([id]);
    return reply.code(204).send();
  });

  /** An edition in the shape PUT accepts, plus its status, public URL and links as objects. */
  async function editionJson(period: string) {
    const row = await services.editions.find(period);
    const doc = await services.editions.document(row);
    const info = await services.editions.newsletter();
    const linkObject = (link: (typeof doc.sections)[number]['links'][number]): Record<string, unknown> => ({
      id: link.id,
      url: link.url,
      title: link.title,
      commentary: link.commentary,
      via: link.via,
      children: link.children.map(linkObject),
    });
    return {
      period: doc.period,
      title: doc.title,
      slug: doc.slug,
      tags: doc.tags,
      intro: doc.intro,
      outro: doc.outro,
      freeSections: doc.freeSections,
      sections: doc.sections.map((section) => ({ category: section.name, links: section.links.map(linkObject) })),
      status: doc.status,
      url: info.publicUrl + doc.path,
      scheduledAt: doc.scheduledAt,
      publishedAt: doc.publishedAt,
      correctedAt: doc.correctedAt,
      version: doc.version,
    };
  }

  app.get('/editions', async () => {
    const list = await services.editions.list();
    const info = await services.editions.newsletter();
    return {
      editions: list.map((row) => ({ period: row.period, title: row.title, slug: row.slug, status: row.status, links: row.linkCount, url: info.publicUrl + services.editions.editionPath(row), publishedAt: row.publishedAt })),
    };
  });

  app.get('/editions/:period', async (request) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    return editionJson(period);
  });

  app.put('/editions/:period', async (request, reply) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    const existed = await services.editions.find(period).then(() => true, () => false);
    await services.editions.put(period, objectBody(request.body));
    return reply.code(existed ? 200 : 201).send(await editionJson(period));
  });

  app.post('/editions/:period/publish', async (request) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    await services.editions.publish(period);
    return editionJson(period);
  });

  app.post('/editions/:period/unpublish', async (request) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    await services.editions.unpublish(period);
    return editionJson(period);
  });

  app.post('/editions/:period/send', async (request, reply) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    await services.delivery.start(period, request.user!);
    return reply.code(202).send(await sendJson(period, request.user!));
  });

  app.get('/editions/:period/send', async (request) => {
    const { period } = z.object({ period: z.string().max(10) }).parse(request.params);
    return sendJson(period, request.user!);
  });

  // The per-subscriber report names readers: the service leaves it empty for editors.
  async function sendJson(period: string, actor: User) {
    const status = await services.delivery.status(period, actor, 1000);
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

  app.get('/subscribers', async (request) => {
    const query = z.object({ status: z.string().optional(), q: z.string().optional(), page: z.string().optional() }).parse(request.query);
    const { rows, total, page } = await services.subscribers.list(query, request.user!);
    return {
      subscribers: rows.map((row) => ({ id: row.id, email: row.email, status: row.status, source: row.source, createdAt: row.createdAt, confirmedAt: row.confirmedAt, unsubscribedAt: row.unsubscribedAt })),
      total,
      page,
    };
  });

  app.post('/subscribers', async (request, reply) => {
    const subscriber = await services.subscribers.add(objectBody(request.body), request.user!);
    return reply.code(201).send({ id: subscriber.id, email: subscriber.email, status: subscriber.status, createdAt: subscriber.createdAt });
  });

  app.delete('/subscribers/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await services.subscribers.erase(id, request.user!);
    return reply.code(204).send();
  });

  app.get('/categories', async () => {
    const categories = await services.categories.list({ includeArchived: true });
    return { categories: categories.map(({ id, name, position, archivedAt }) => ({ id, name, position, archived: Boolean(archivedAt) })) };
  });
}
