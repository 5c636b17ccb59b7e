import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Config } from '../bootstrap/config.ts';
import type { Services } from '../bootstrap/services.ts';
import { publicDir, VENDORED } from './assets.ts';
import { accessLine, fastPathServer, quietUrl, requestIds } from './fast-path.ts';
import { createPublicCache } from './public-cache.ts';
import { securityHeaders } from './security-headers.ts';
import { authPlugin } from './plugins/auth.ts';
import { crossSitePlugin } from './plugins/cross-site.ts';
import { errorsPlugin, notFoundHandler } from './plugins/errors.ts';
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
import { clickRoutes } from './routes/clicks/click-routes.ts';
import { statsApi } from './routes/clicks/stats-api.ts';
import { statsRoutes } from './routes/clicks/stats-routes.ts';
import { providerWebhookRoutes } from './routes/bounces/provider-webhooks.ts';
import { webhooksApi } from './routes/webhooks/webhooks-api.ts';
import { webhooksRoutes } from './routes/webhooks/webhooks-routes.ts';

/** One log line per request instead of Fastify's two; static assets and health checks only at debug level. */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = accessLine(request.method, request.url, reply.statusCode, reply.elapsedTime);
    if (error) reply.log.error({ err: error }, line);
    else reply.log[quietUrl(request.url) ? 'debug' : 'info'](line);
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
  // The same security headers on every answer, computed once.
  const security = securityHeaders(config);
  // Readers' pages answered before, with every header they carry (see public-cache.ts).
  const publicCache = createPublicCache({ changes: services.changes, headers: securityHeaders(config, 'reader') });
  const requestId = requestIds();
  let open = true;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Pages from the public cache are written before Fastify sees the request (fast-path.ts).
    serverFactory: fastPathServer({ answer: publicCache.answerRaw, open: () => open, requestId, log: options.logger }),
    genReqId: requestId,
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
  app.addHook('preClose', async () => {
    open = false;
  });
  app.addHook('onClose', async () => publicCache.close());

  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(security);
    done();
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: '1d', decorateReply: false });
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
  await app.register(errorsPlugin, { services });
  await app.register(healthRoutes, { services });
  // Readers' pages, outside the scope below: none of its hooks runs for them (see public-routes.ts).
  await app.register(publicRoutes, { services, cache: publicCache });

  // Everything a person signs in to or posts a form to: cookies, sessions, CSRF tokens, the
  // cross-site check and the input guard apply here, and only here.
  await app.register(async (site) => {
    await site.register(fastifyCookie, { secret: config.sessionSecret });
    await site.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
    await site.register(crossSitePlugin, { publicUrl: config.publicUrl });
    await site.register(inputGuardPlugin);
    await site.register(authPlugin, { services, config });
    // An editor who saves and then opens the public page gets it from this process: the answer to
    // a write leaves once this process has heard of every change committed before it. A refused
    // request changed nothing and does not wait.
    site.addHook('onSend', async (request, reply, payload) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) await services.changes.sync();
      return payload;
    });
    await site.register(authRoutes, { services, config });
    await site.register(subscribeRoutes, { services });
    await site.register(clickRoutes, { services });
    await site.register(providerWebhookRoutes, { services, prefix: '/webhooks' });
    await site.register(
      async (admin) => {
        // An unknown admin address is answered with the signed-in person's hooks run (their menu, their way back).
        admin.setNotFoundHandler({ preHandler: admin.rateLimit({ max: 120, timeWindow: 60_000 }) }, notFoundHandler(services));
        await admin.register(dashboardRoutes, { services });
        await admin.register(settingsRoutes, { services, config, prefix: '/settings' });
        await admin.register(outboxRoutes, { services, config, prefix: '/outbox' });
        await admin.register(linksRoutes, { services, config });
        await admin.register(categoriesRoutes, { services, prefix: '/categories' });
        await admin.register(editionsRoutes, { services, prefix: '/editions' });
        await admin.register(deliveryRoutes, { services, prefix: '/editions' });
        await admin.register(statsRoutes, { services, prefix: '/editions' });
        await admin.register(subscribersRoutes, { services, prefix: '/subscribers' });
        await admin.register(teamRoutes, { services, prefix: '/team' });
        await admin.register(exportRoutes, { services });
        await admin.register(importRoutes, { services });
        await admin.register(accountRoutes, { services, prefix: '/account' });
        await admin.register(webhooksRoutes, { services, prefix: '/webhooks' });
      },
      { prefix: '/admin' },
    );
    // The JSON API: one scope authenticated by token, each feature's routes in it.
    await site.register(
      async (api) => {
        prepareApiScope(api, services);
        for (const routes of [meApi, linksApi, editionsApi, deliveryApi, statsApi, subscribersApi, categoriesApi, webhooksApi])
          await api.register(routes, { services });
      },
      { prefix: '/api/v1' },
    );
  });
  return app;
}
