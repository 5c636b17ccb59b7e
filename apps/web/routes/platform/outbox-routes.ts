import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { NotFoundError } from '../../../domain/platform/errors.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import { sendSandboxedHtml } from '../../sandboxed-html.ts';
import { outboxMessageView } from '../../view-models/outbox-view.ts';

const fileParams = z.object({ file: z.string().max(200) });

/**
 * The development outbox. Its messages hold working invitation, confirmation and unsubscribe
 * links: owners only (the service refuses anyone else; the hook answers before the folder is read).
 */
export async function outboxRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Pick<Config, 'smtpUrl'> }) {
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('outbox.read'));

  app.get('/', async (request, reply) => {
    const messages = config.smtpUrl ? undefined : await services.outbox.list({ actor: request.user! });
    return reply.render('admin/outbox', { messages, smtp: services.mailer.describe() });
  });

  app.get('/:file', { config: { titles: { 404: 'No such message' } } }, async (request, reply) => {
    const message = await services.outbox.read({ actor: request.user!, file: fileParams.parse(request.params).file });
    if (!message) throw new NotFoundError('This message is not in the outbox.');
    return reply.render('admin/outbox-message', outboxMessageView(message));
  });

  // The HTML part as the reader sees it, for the message page's sandboxed frame.
  app.get('/:file/html', async (request, reply) => {
    const message = await services.outbox.read({ actor: request.user!, file: fileParams.parse(request.params).file });
    if (!message?.html) throw new NotFoundError('This message has no HTML part.');
    return sendSandboxedHtml(reply, message.html);
  });

  // The message as sent, to open in a mail client.
  app.get('/:file/eml', async (request, reply) => {
    const { file } = fileParams.parse(request.params);
    const raw = await services.outbox.raw({ actor: request.user!, file });
    if (!raw) throw new NotFoundError('This message is not in the outbox.');
    return reply
      .header('Content-Disposition', `attachment; filename="${file}"`)
      .header('Cache-Control', 'no-store')
      .header('X-Content-Type-Options', 'nosniff')
      .type('message/rfc822')
      .send(raw);
  });
}
