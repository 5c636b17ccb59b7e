import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { editionPath } from '../../../domain/editions/periods.ts';
import { requireUser } from '../../plugins/auth.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { editorParams, publishingForm } from '../../view-models/edition-editor-view.ts';
import { preflightChecksView, preflightForm, preflightView } from '../../view-models/edition-preflight-view.ts';
import { sendSandboxedHtml } from '../../sandboxed-html.ts';

const preflightBody = z.object({
  choice: z.enum(['send', 'web', 'schedule'], { message: 'Choose how to publish: send, web only or schedule.' }),
  acknowledged: z.literal('yes').optional(),
  scheduledAt: z.string().max(40).optional(),
});

const actionParams = editorParams.extend({ action: z.enum(['pause', 'resume', 'retry']) });

/** Sending an edition by email: the test to oneself, the preview, the send, its progress and report. */
export async function deliveryRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { delivery } = services;
  app.addHook('onRequest', requireUser);

  app.post('/:period/test-email', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    await delivery.sendTest({ period, to: request.user!.email });
    return reply.flash('success', adminWords(request).edition.flash.testSent(request.user!.email)).redirect(`/admin/editions/${period}`, 303);
  });

  // The email as subscribers will get it. Its styles are inline, as email needs: this one answer
  // allows them, and nothing else (no scripts, no requests).
  app.get('/:period/email-preview', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const email = await delivery.preview({ period });
    return sendSandboxedHtml(reply, email.html);
  });

  // Refused (not published, empty, sent already): the editor says why, above its publishing panel.
  app.post('/:period/send', { config: { form: publishingForm(services) } }, async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    await delivery.start({ period, actor: request.user! });
    return reply.redirect(`/admin/editions/${period}/delivery`, 303);
  });

  // "Publish" in the editor: the checks, the link check (asked for by the page, by POST) and the choices.
  app.get('/:period/preflight', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return reply.render('admin/edition-preflight', await preflightView(services, { period }));
  });

  // The checks again while the link check runs: read-only, polled by the screen.
  app.get('/:period/preflight/checks', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    // Before anything reads the period: it goes into the Location header as typed, encoded.
    if (!wantsFragment(request)) return reply.redirect(`/admin/editions/${encodeURIComponent(period)}/preflight`, 303);
    return reply.render('partials/preflight-checks', await preflightChecksView(services, { period }));
  });

  app.post('/:period/preflight', { config: { form: preflightForm(services) } }, async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const { choice, acknowledged, scheduledAt } = preflightBody.parse(request.body ?? {});
    const row = await delivery.release({ period, actor: request.user!, choice, at: scheduledAt, acknowledged: acknowledged === 'yes' });
    if (choice === 'send') return reply.redirect(`/admin/editions/${period}/delivery`, 303);
    const { flash } = adminWords(request).edition;
    const done = choice === 'schedule' ? flash.scheduled : flash.publishedWeb(editionPath(row));
    return reply.flash('success', done).redirect(`/admin/editions/${period}`, 303);
  });

  app.get('/:period/delivery', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return reply.render('admin/delivery', await delivery.status({ period, actor: request.user! }), { fragment: 'partials/delivery-progress' });
  });

  app.post('/:period/delivery/:action', async (request, reply) => {
    const { period, action } = actionParams.parse(request.params);
    if (action === 'pause') await delivery.pause({ period });
    else if (action === 'resume') await delivery.resume({ period });
    else await delivery.retryFailed({ period });
    if (wantsFragment(request)) return reply.render('partials/delivery-progress', await delivery.status({ period, actor: request.user! }));
    return reply.flash('success', adminWords(request).edition.flash[action]).redirect(`/admin/editions/${period}/delivery`, 303);
  });
}
