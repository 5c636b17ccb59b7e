import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { wordsFor } from '../../../domain/platform/locales/index.ts';
import { InvalidLinkError } from '../../../domain/subscribers/subscribers-service.ts';
import type { FormRoute } from '../../plugins/forms.ts';
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

  // A link from an email that names nobody (tampered with, expired, used up): a page that says
  // which link and what to do, in the newsletter's language. Any other error goes on to the app's handler.
  app.setErrorHandler(async (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof InvalidLinkError)) throw error;
    const { lang } = await publicContext(services);
    return page(reply, 'public/link-invalid', { message: wordsFor(lang).subscription.invalidLink[error.purpose], purpose: error.purpose }, 404);
  });

  // A refused address on the unsubscribe-by-address form: the bad link's page again, with the reason.
  const unsubscribeRequestForm: FormRoute = {
    template: 'public/link-invalid',
    page: async () => {
      const context = await publicContext(services);
      return { ...context, purpose: 'unsubscribe', message: wordsFor(context.lang).subscription.invalidLink.unsubscribe, values: {}, errors: {} };
    },
  };

  // No session to protect: the same answer for any address, and a rate limit per address and IP.
  app.post('/unsubscribe/request', { config: { csrf: false, form: unsubscribeRequestForm } }, async (request, reply) => {
    const body = z
      .record(z.string(), z.unknown())
      .catch({})
      .parse(request.body ?? {});
    await subscribers.requestUnsubscribeLink({ email: body.email, ip: request.ip });
    return page(reply, 'public/unsubscribe-requested');
  });

  // A refused address or too many requests: the form again, with what was typed and the reason.
  const subscribeForm: FormRoute = { template: 'public/subscribe', page: async () => ({ ...(await publicContext(services)), values: {}, errors: {} }) };

  app.get('/subscribe', async (_request, reply) => page(reply, 'public/subscribe'));

  // Also the target of forms embedded on other sites: no CSRF token, no session to abuse, and
  // accepted from any site.
  app.post('/subscribe', { config: { csrf: false, crossSite: true, form: subscribeForm } }, async (request, reply) => {
    const body = z
      .record(z.string(), z.unknown())
      .catch({})
      .parse(request.body ?? {});
    await subscribers.subscribe({ email: body.email, website: body.website, form: typeof body.form === 'string' ? body.form : 'subscribe', ip: request.ip });
    return page(reply, 'public/subscribe-sent');
  });

  // Opening the link only shows a button: mail scanners follow links, and must not confirm anything.
  app.get('/subscribe/confirm', async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    const subscriber = await subscribers.pendingFromToken({ token });
    if (subscriber.status === 'active') return page(reply, 'public/subscribe-confirmed', { alreadyConfirmed: true });
    return page(reply, 'public/subscribe-confirm', { token, email: subscriber.email });
  });

  app.post('/subscribe/confirm', { config: { csrf: false } }, async (request, reply) => {
    const { token } = z
      .object({ token: z.string().max(300).default('') })
      .catch({ token: '' })
      .parse(request.body ?? {});
    const { alreadyConfirmed } = await subscribers.confirm({ token });
    return page(reply, 'public/subscribe-confirmed', { alreadyConfirmed });
  });

  app.get('/unsubscribe', async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    const subscriber = await subscribers.fromUnsubscribeToken({ token });
    if (subscriber.status === 'unsubscribed') return page(reply, 'public/unsubscribed', { undoToken: await subscribers.undoToken({ subscriber }) });
    return page(reply, 'public/unsubscribe', { token, email: subscriber.email });
  });

  // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" with no cookie; the token in
  // the URL is the authentication, and webmails post it from their own site. The answer is a page
  // (200), never a redirect.
  app.post('/unsubscribe', { config: { csrf: false, crossSite: true } }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    const subscriber = await subscribers.unsubscribe({ token });
    return page(reply, 'public/unsubscribed', { undoToken: await subscribers.undoToken({ subscriber }) });
  });

  // The unsubscribed page's button, for a day; after that the page says to subscribe again.
  app.post('/unsubscribe/undo', { config: { csrf: false } }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    await subscribers.resubscribe({ token });
    return page(reply, 'public/resubscribed');
  });
}
