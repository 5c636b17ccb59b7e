import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';

/** The largest body a provider's webhook may send (SendGrid batches events; SES notifications carry headers). */
export const WEBHOOK_BODY_LIMIT = 512 * 1024;

const params = z.object({ provider: z.string().max(20) });

/**
 * The email providers' bounce and complaint webhooks, POST /webhooks/<provider>. The signatures
 * cover the exact bytes sent, so this scope reads every body raw (and only this scope), capped.
 */
export async function providerWebhookRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addHook('onRoute', (route) => {
    // Providers call from their own servers, without a session or a CSRF token.
    route.config = { ...route.config, crossSite: true, csrf: false };
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post('/:provider', async (request) => {
    const { provider } = params.parse(request.params);
    const receipt = await services.bounces.receive({ provider, headers: request.headers, body: request.body });
    // Addresses Veille does not know are acknowledged (a provider would retry an error for days).
    if (receipt.unknown > 0) request.log.info({ ...receipt }, 'webhook reported addresses that are not subscribers');
    else request.log.info({ ...receipt }, 'webhook received');
    return { received: receipt.reported, applied: receipt.applied, unknown: receipt.unknown, ...(receipt.note ? { note: receipt.note } : {}) };
  });
}
