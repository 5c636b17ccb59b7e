import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import { bearerAuth } from './auth.ts';

/** A JSON body must be an object; anything else is a 400 with the reason. */
export function objectBody(body: unknown): Record<string, unknown> {
  return z.record(z.string(), z.unknown().optional(), { error: 'The body must be a JSON object.' }).parse(body ?? {});
}

/** Route params naming a row by id, and an edition by period. */
export const idParams = z.object({ id: z.string().max(100) });
export const periodParams = z.object({ period: z.string().max(10) });

/**
 * Makes a scope the JSON API: authenticated by personal tokens only, callable from anywhere. Each
 * feature registers its /api/v1 routes in a scope prepared by this.
 */
export function prepareApiScope(app: FastifyInstance, services: Services): void {
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
}
