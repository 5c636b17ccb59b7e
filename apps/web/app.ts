import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Config } from '../bootstrap/config.ts';
import type { Services } from '../bootstrap/services.ts';
import { publicDir, VENDORED } from './assets.ts';
import { authPlugin } from './plugins/auth.ts';
import { crossSitePlugin } from './plugins/cross-site.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { inputGuardPlugin } from './plugins/input-guard.ts';
import { renderPlugin } from './plugins/render.ts';
import { accountRoutes } from './routes/accounts/account-routes.ts';
import { dashboardRoutes } from './routes/platform/dashboard-routes.ts';
import { outboxRoutes } from './routes/platform/outbox-routes.ts';
import { settingsRoutes } from './routes/platform/settings-routes.ts';
import { prepareApiScope } from './plugins/api.ts';
import { meApi } from './routes/accounts/me-api.ts';
import { categoriesApi } from './routes/categories/categories-api.ts';
import { deliveryApi } from './routes/delivery/delivery-api.ts';
import { deliveryRoutes } from './routes/delivery/delivery-routes.ts';
import { editionsApi } from './routes/editions/editions-api.ts';
import { linksApi } from './routes/links/links-api.ts';
import { subscribersApi } from './routes/subscribers/subscribers-api.ts';
import { authRoutes } from './routes/accounts/auth-routes.ts';
import { categoriesRoutes } from './routes/categories/categories-routes.ts';
import { editionsRoutes } from './routes/editions/editions-routes.ts';
import { importRoutes } from './routes/imports/import-routes.ts';
import { exportRoutes } from './routes/exports/export-routes.ts';
import { healthRoutes } from './routes/platform/health-routes.ts';
import { linksRoutes } from './routes/links/links-routes.ts';
import { publicRoutes } from './routes/public/public-routes.ts';
import { subscribeRoutes } from './routes/subscribers/subscribe-routes.ts';
import { subscribersRoutes } from './routes/subscribers/subscribers-routes.ts';
import { teamRoutes } from './routes/accounts/team-routes.ts';
import { providerWebhookRoutes } from './routes/bounces/provider-webhooks.ts';
import { webhooksApi } from './routes/webhooks/webhooks-api.ts';
import { webhooksRoutes } from './routes/webhooks/webhooks-routes.ts';

/** One log line per request instead of Fastify's two; static assets and health checks only at debug level. */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const quiet = request.url.startsWith('/static/') || request.url === '/healthz' || request.url === '/favicon.ico';
    const line = `${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`;
    if (error) reply.log.error({ err: error }, line);
    else reply.log[quiet ? 'debug' : 'info'](line);
  }
}

/** Trusts the `hops` peers nearest to the server as proxies (TRUST_PROXY=<number>). */
function trustNearestHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Builds the web application (not listening): production, tests and benchmarks all use this. */
export async function buildApp(
  services: Services,
  config: Config,
  options: {
    logger?: FastifyBaseLogger;
    /** Called for every route as it is registered: the route table, for tools and tests. */ onRoute?: (route: RouteOptions) => void;
  } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // A hop count trusts the nearest peers whoever they are (Fastify itself takes a number as "trust nobody").
    trustProxy: typeof config.trustProxy === 'number' ? trustNearestHops(config.trustProxy) : config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Give in-flight requests time to finish on shutdown; idle keep-alive sockets are closed at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    logController: new OneLineRequestLog(),
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // The admin's side-by-side preview frames two of its own pages.
        frameSrc: ["'self'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    hsts: config.secureCookies,
    // No Referer to other sites, as with no-referrer; but a browser without Fetch Metadata then
    // still sends the real Origin with Veille's own forms (no-referrer makes it "null"), which the
    // cross-site check needs.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: '1d', decorateReply: false });
  // Browsers ask for /favicon.ico on every site whatever the pages link; the pages link the SVG too.
  const favicon = await readFile(path.join(publicDir, 'favicon.ico'));
  app.get('/favicon.ico', async (_request, reply) => reply.header('Cache-Control', 'public, max-age=604800').type('image/x-icon').send(favicon));
  // Only the files pages link, out of the libraries' folders.
  for (const vendored of Object.values(VENDORED)) {
    await app.register(fastifyStatic, {
      root: vendored.dir(),
      prefix: vendored.prefix,
      maxAge: '7d',
      decorateReply: false,
      allowedPath: (file) => vendored.files.includes(file.replace(/^\//, '')),
    });
  }

  await app.register(renderPlugin, { services, production: config.env === 'production', secureCookies: config.secureCookies });
  await app.register(crossSitePlugin, { publicUrl: config.publicUrl });
  await app.register(inputGuardPlugin);
  await app.register(authPlugin, { services, config });
  await app.register(errorsPlugin, { services });

  await app.register(healthRoutes, { services });
  await app.register(authRoutes, { services, config });
  await app.register(publicRoutes, { services, stampTtlMs: config.pageCacheTtlMs });
  await app.register(subscribeRoutes, { services });
  await app.register(providerWebhookRoutes, { services, prefix: '/webhooks' });
  await app.register(dashboardRoutes, { services, prefix: '/admin' });
  await app.register(settingsRoutes, { services, config, prefix: '/admin/settings' });
  await app.register(outboxRoutes, { services, config, prefix: '/admin/outbox' });
  await app.register(linksRoutes, { services, config, prefix: '/admin' });
  await app.register(categoriesRoutes, { services, prefix: '/admin/categories' });
  await app.register(editionsRoutes, { services, prefix: '/admin/editions' });
  await app.register(deliveryRoutes, { services, prefix: '/admin/editions' });
  await app.register(subscribersRoutes, { services, prefix: '/admin/subscribers' });
  await app.register(teamRoutes, { services, prefix: '/admin/team' });
  await app.register(exportRoutes, { services, prefix: '/admin' });
  await app.register(importRoutes, { services, prefix: '/admin' });
  await app.register(accountRoutes, { services, prefix: '/admin/account' });
  await app.register(webhooksRoutes, { services, prefix: '/admin/webhooks' });
  // The JSON API: one scope authenticated by token, each feature's routes in it.
  await app.register(
    async (api) => {
      prepareApiScope(api, services);
      for (const routes of [meApi, linksApi, editionsApi, deliveryApi, subscribersApi, categoriesApi, webhooksApi]) await api.register(routes, { services });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
