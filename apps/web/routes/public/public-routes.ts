import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import type { EditionDocument } from '../../../domain/editions/edition-types.ts';
import { atomFeed, jsonFeed, rssFeed, sitemapXml } from '../../../domain/editions/edition-render.ts';
import { editionPath } from '../../../domain/editions/periods.ts';
import { NotFoundError } from '../../../domain/platform/errors.ts';
import { publicDir } from '../../assets.ts';
import { refuseControlCharacters } from '../../plugins/input-guard.ts';
import type { BuiltPage, PublicCache } from '../../public-cache.ts';
import { archiveView, editionPageView, homeView, searchView } from '../../view-models/public-view.ts';

const FEED_SIZE = 20;
const HTML = 'text/html; charset=utf-8';
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });
const permalinkParams = z.object({ year: z.string().regex(/^\d{4}$/), part: z.string().regex(/^(\d{2}|W\d{2})$/), slug: z.string().max(120) });

/**
 * The public site: home, edition permalinks, archive, tags, search, feeds and sitemap. Registered
 * outside the admin's scope: no session, CSRF or cross-site hook runs for a reader, and a page
 * answered before is answered from memory without any query (see public-cache.ts). What reaches
 * the database on a first request (a slug, a tag) is checked for control characters first.
 */
export async function publicRoutes(app: FastifyInstance, options: { services: Services; cache: PublicCache }) {
  const { services, cache } = options;
  const { editions } = services;
  // The readers' security headers (their own policy) on every answer here, as the cache writes them.
  app.addHook('onRequest', (_request, reply, done) => {
    // The app's own set came first: the headers a reader's page leaves out go.
    for (const name of Object.keys(reply.getHeaders())) if (!(name in cache.headers)) reply.removeHeader(name);
    reply.headers(cache.headers);
    done();
  });

  // Browsers ask for /favicon.ico on every site whatever the pages link; the pages link the SVG too.
  // Kept a week by browsers, and answered from memory like a page.
  const faviconFile = path.join(publicDir, 'favicon.ico');
  const favicon = {
    body: await readFile(faviconFile),
    type: 'image/x-icon',
    lastModified: (await stat(faviconFile)).mtime,
    tags: [],
    cacheControl: 'public, max-age=604800',
  };
  app.get('/favicon.ico', async (request, reply) => cache.serve(request, reply, 'favicon', async () => favicon));

  const render = (reply: FastifyReply, template: string, data: Record<string, unknown>) => reply.viewAsync(template, data) as Promise<string>;
  /** A page of the archive's kind: it lists editions, so any change to a published one renews it. */
  const listing = async (body: string, type = HTML): Promise<BuiltPage> => ({ body, type, lastModified: await editions.archiveStamp(), tags: ['editions'] });

  /** The route's handler behind the cache: a URL answered before never reaches it. */
  const cached = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>): RouteHandlerMethod =>
    async function (request, reply) {
      const answered = cache.answer(request, reply);
      if (answered) return answered;
      await refuseControlCharacters(request);
      return handler(request, reply);
    };

  app.get(
    '/',
    cached(async (request, reply) => {
      // Until the owner exists, the site leads to the set-up page (answered once, never kept).
      if (await services.accounts.needsSetup()) return reply.redirect('/setup', 303);
      return cache.serve(request, reply, 'home', async () => listing(await render(reply, 'public/home', await homeView(services))));
    }),
  );

  app.get(
    '/:year/:part/:slug',
    cached(async (request, reply) => {
      const params = permalinkParams.safeParse(request.params);
      if (!params.success) throw new NotFoundError('There is no such page.');
      const { year, part, slug } = params.data;
      // A path the edition answered at before its slug changed: links in sent emails, feeds and other sites keep working.
      const moved = await editions.movedTo({ path: `/${year}/${part}/${slug}` });
      if (moved) return reply.redirect(moved, 301);
      return cache.serve(request, reply, `edition:${year}/${part}/${slug}`, async () => {
        const row = await editions.published({ year, part, slug });
        const [view, stamp] = await Promise.all([editionPageView(services, row), editions.publicStamp({ slug })]);
        const lastModified = new Date(Math.max(row.updatedAt.getTime(), stamp?.settingsAt?.getTime() ?? 0));
        return { body: await render(reply, 'public/edition', view), type: HTML, lastModified, tags: [`edition:${row.id}`] };
      });
    }),
  );

  async function archivePage(request: FastifyRequest, reply: FastifyReply, filter: { year?: number; tag?: string }, key: string) {
    const { page } = pageQuery.parse(request.query);
    return cache.serve(request, reply, `${key}:${page}`, async () => listing(await render(reply, 'public/archive', await archiveView(services, filter, page))));
  }

  app.get(
    '/archive',
    cached(async (request, reply) => archivePage(request, reply, {}, 'archive')),
  );
  app.get(
    '/archive/:year',
    cached(async (request, reply) => {
      // Anything but a year is no page of the archive: the site's 404, in its language.
      const params = z.object({ year: z.coerce.number().int().min(1900).max(3000) }).safeParse(request.params);
      if (!params.success) {
        reply.callNotFound();
        return reply;
      }
      const { year } = params.data;
      return archivePage(request, reply, { year }, `archive:${year}`);
    }),
  );
  app.get(
    '/tags/:tag',
    cached(async (request, reply) => {
      const { tag } = z.object({ tag: z.string().min(1).max(60) }).parse(request.params);
      return archivePage(request, reply, { tag: tag.toLowerCase() }, `tag:${tag.toLowerCase()}`);
    }),
  );

  // Each search is its own: never kept.
  app.get('/search', { preHandler: refuseControlCharacters }, async (request, reply) => {
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
    app.get(
      feed.path,
      cached(async (request, reply) =>
        cache.serve(request, reply, feed.path, async () => {
          const info = await editions.newsletter();
          return listing(feed.build(info, await feedDocuments(), { selfUrl: info.publicUrl + feed.path }), feed.type);
        }),
      ),
    );
  }

  app.get(
    '/sitemap.xml',
    cached(async (request, reply) =>
      cache.serve(request, reply, 'sitemap', async () => {
        const info = await editions.newsletter();
        const { rows } = await editions.archive({ limit: 10_000, offset: 0 });
        const entries = [
          { path: '/', lastModified: rows[0]?.updatedAt ?? new Date() },
          { path: '/archive', lastModified: rows[0]?.updatedAt ?? new Date() },
          ...rows.map((row) => ({ path: editionPath(row), lastModified: row.correctedAt ?? row.publishedAt ?? row.updatedAt })),
        ];
        return listing(sitemapXml(info, entries), 'application/xml; charset=utf-8');
      }),
    ),
  );

  app.get(
    '/robots.txt',
    cached(async (request, reply) =>
      cache.serve(request, reply, 'robots', async () => {
        const info = await editions.newsletter();
        const body = `User-agent: *\nDisallow: /admin\nDisallow: /api/\nSitemap: ${info.publicUrl}/sitemap.xml\n`;
        return { body, type: 'text/plain; charset=utf-8', lastModified: new Date(), tags: [] };
      }),
    ),
  );
}
