import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { NotFoundError, RateLimitedError, ValidationError } from '../../../domain/platform/errors.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { publicContext } from '../../public-context.ts';

const tokenQuery = z.object({ token: z.string().max(300).default('') });

/** Readers subscribe, confirm and unsubscribe; no account and no cookie involved. */
export async function subscribeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { subscribers } = services;

  async function page(reply: FastifyReply, template: string, data: Record<string, unknown> = {}, status = 200) {
    const context = await publicContext(services);
    const html = await reply.viewAsync(template, { ...context, values: {}, errors: {}, ...data });
    return reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  app.get('/subscribe', async (_request, reply) => page(reply, 'public/subscribe'));

  // Also the target of forms embedded on other sites: no CSRF token, no session to abuse, and
  // accepted from any site.
  app.post('/subscribe', { config: { csrf: false, crossSite: true } }, async (request, reply) => {
    const body = z.record(z.string(), z.unknown()).catch({}).parse(request.body ?? {});
    const form = typeof body.form === 'string' ? body.form : 'subscribe';
    try {
      await subscribers.subscribe({ email: body.email, website: body.website, form, ip: request.ip });
      return page(reply, 'public/subscribe-sent');
    } catch (error) {
      const email = typeof body.email === 'string' ? body.email.slice(0, 300) : '';
      if (error instanceof ValidationError) return page(reply, 'public/subscribe', { values: { email }, errors: error.fields }, 422);
      if (error instanceof RateLimitedError) {
        reply.header('Retry-After', String(error.retryAfterSeconds));
        return page(reply, 'public/subscribe', { values: { email }, errors: { email: error.message } }, 429);
      }
      throw error;
    }
  });

  // Opening the link only shows a button: mail scanners follow links, and must not confirm anything.
  app.get('/subscribe/confirm', async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    try {
      const subscriber = await subscribers.pendingFromToken(token);
      return page(reply, 'public/subscribe-confirm', { token, email: subscriber.email });
    } catch (error) {
      if (error instanceof NotFoundError) return page(reply, 'public/link-invalid', { message: error.message }, 404);
      throw error;
    }
  });

  app.post('/subscribe/confirm', { config: { csrf: false } }, async (request, reply) => {
    const { token } = z.object({ token: z.string().max(300).default('') }).catch({ token: '' }).parse(request.body ?? {});
    try {
      await subscribers.confirm(token);
      return page(reply, 'public/subscribe-confirmed');
    } catch (error) {
      if (error instanceof NotFoundError) return page(reply, 'public/link-invalid', { message: error.message }, 404);
      throw error;
    }
  });

  app.get('/unsubscribe', async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    try {
      const subscriber = await subscribers.fromUnsubscribeToken(token);
      if (subscriber.status === 'unsubscribed') return page(reply, 'public/unsubscribed', { undoToken: subscribers.undoToken(subscriber) });
      return page(reply, 'public/unsubscribe', { token, email: subscriber.email });
    } catch (error) {
      if (error instanceof NotFoundError) return page(reply, 'public/link-invalid', { message: error.message }, 404);
      throw error;
    }
  });

  // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" with no cookie; the token in
  // the URL is the authentication, and webmails post it from their own site. The answer is a page
  // (200), never a redirect.
  app.post('/unsubscribe', { config: { csrf: false, crossSite: true } }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    try {
      const subscriber = await subscribers.unsubscribe(token);
      return page(reply, 'public/unsubscribed', { undoToken: subscribers.undoToken(subscriber) });
    } catch (error) {
      if (error instanceof NotFoundError) return page(reply, 'public/link-invalid', { message: error.message }, 404);
      throw error;
    }
  });

  // The unsubscribed page's button, for a day; after that the page says to subscribe again.
  app.post('/unsubscribe/undo', { config: { csrf: false } }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    try {
      await subscribers.resubscribe(token);
      return page(reply, 'public/resubscribed');
    } catch (error) {
      if (error instanceof NotFoundError) return page(reply, 'public/link-invalid', { message: (await publicContext(services)).t.resubscribeExpired }, 404);
      throw error;
    }
  });
}
