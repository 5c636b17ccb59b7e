import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import type { EditionDocument } from '../../../domain/editions/edition-types.ts';
import { atomFeed, jsonFeed, rssFeed, sitemapXml } from '../../../domain/editions/edition-render.ts';
import { editionPath } from '../../../domain/editions/periods.ts';
import { NotFoundError } from '../../../domain/platform/errors.ts';
import { createPublicCache } from '../../public-cache.ts';
import { archiveView, editionPageView, homeView, searchView } from '../../view-models/public-view.ts';

const FEED_SIZE = 20;
const HTML = 'text/html; charset=utf-8';
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });
const permalinkParams = z.object({ year: z.string().regex(/^\d{4}$/), part: z.string().regex(/^(\d{2}|W\d{2})$/), slug: z.string().max(120) });

/** The public site: home, edition permalinks, archive, tags, search, feeds and sitemap. */
export async function publicRoutes(app: FastifyInstance, options: { services: Services; stampTtlMs?: number }) {
  const { services } = options;
  const { editions } = services;
  const cache = createPublicCache({ stampTtlMs: options.stampTtlMs });
  const archiveStamp = () => cache.stamp('archive', () => editions.archiveStamp());

  const render = (reply: FastifyReply, template: string, data: Record<string, unknown>) => reply.viewAsync(template, data) as Promise<string>;

  app.get('/', async (request, reply) =>
    cache.serve(request, reply, 'home', await archiveStamp(), async () => ({ body: await render(reply, 'public/home', await homeView(services)), type: HTML })),
  );

  app.get('/:year/:part/:slug', async (request, reply) => {
    const params = permalinkParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('There is no such page.');
    const { year, part, slug } = params.data;
    const stamp = await cache.stamp(`edition:${slug}`, () => editions.publicStamp({ slug }));
    if (!stamp || stamp.status !== 'published') throw new NotFoundError('There is no such edition.');
    const at = new Date(Math.max(stamp.updatedAt.getTime(), stamp.settingsAt?.getTime() ?? 0));
    return cache.serve(request, reply, `edition:${year}/${part}/${slug}`, at, async () => {
      const row = await editions.published({ year, part, slug });
      return { body: await render(reply, 'public/edition', await editionPageView(services, row)), type: HTML };
    });
  });

  async function archivePage(request: FastifyRequest, reply: FastifyReply, filter: { year?: number; tag?: string }, key: string) {
    const { page } = pageQuery.parse(request.query);
    return cache.serve(request, reply, `${key}:${page}`, await archiveStamp(), async () => ({
      body: await render(reply, 'public/archive', await archiveView(services, filter, page)),
      type: HTML,
    }));
  }

  app.get('/archive', async (request, reply) => archivePage(request, reply, {}, 'archive'));
  app.get('/archive/:year', async (request, reply) => {
    // Anything but a year is no page of the archive: the site's 404, in its language.
    const params = z.object({ year: z.coerce.number().int().min(1900).max(3000) }).safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const { year } = params.data;
    return archivePage(request, reply, { year }, `archive:${year}`);
  });
  app.get('/tags/:tag', async (request, reply) => {
    const { tag } = z.object({ tag: z.string().min(1).max(60) }).parse(request.params);
    return archivePage(request, reply, { tag: tag.toLowerCase() }, `tag:${tag.toLowerCase()}`);
  });

  app.get('/search', async (request, reply) => {
    const { q } = z.object({ q: z.string().max(200).default('') }).parse(request.query);
    return reply
      .header('Cache-Control', 'no-store')
      .type(HTML)
      .send(await render(reply, 'public/search', await searchView(services, q)));
  });

  /** The newest published editions as documents, for the feeds. */
  async function feedDocuments(): Promise<EditionDocument[]> {
    const { rows } = await editions.archive({ limit: FEED_SIZE, offset: 0 });
    return Promise.all(rows.map((row) => editions.document({ edition: row })));
  }

  const feeds = [
    { path: '/feed.xml', type: 'application/rss+xml; charset=utf-8', build: rssFeed },
    { path: '/atom.xml', type: 'application/atom+xml; charset=utf-8', build: atomFeed },
    { path: '/feed.json', type: 'application/feed+json; charset=utf-8', build: jsonFeed },
  ];
  for (const feed of feeds) {
    app.get(feed.path, async (request, reply) =>
      cache.serve(request, reply, feed.path, await archiveStamp(), async () => {
        const info = await editions.newsletter();
        return { body: feed.build(info, await feedDocuments(), { selfUrl: info.publicUrl + feed.path }), type: feed.type };
      }),
    );
  }

  app.get('/sitemap.xml', async (request, reply) =>
    cache.serve(request, reply, 'sitemap', await archiveStamp(), async () => {
      const info = await editions.newsletter();
      const { rows } = await editions.archive({ limit: 10_000, offset: 0 });
      const entries = [
        { path: '/', lastModified: rows[0]?.updatedAt ?? new Date() },
        { path: '/archive', lastModified: rows[0]?.updatedAt ?? new Date() },
        ...rows.map((row) => ({ path: editionPath(row), lastModified: row.correctedAt ?? row.publishedAt ?? row.updatedAt })),
      ];
      return { body: sitemapXml(info, entries), type: 'application/xml; charset=utf-8' };
    }),
  );

  app.get('/robots.txt', async (_request, reply) => {
    const info = await editions.newsletter();
    return reply.type('text/plain; charset=utf-8').send(`User-agent: *\nDisallow: /admin\nDisallow: /api/\nSitemap: ${info.publicUrl}/sitemap.xml\n`);
  });
}
