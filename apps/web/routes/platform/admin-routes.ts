import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireOwner, requireUser } from '../../plugins/auth.ts';

const settingsBody = z.object({
  newsletterName: z.unknown().optional(),
  description: z.unknown().optional(),
  locale: z.unknown().optional(),
  timeZone: z.unknown().optional(),
  titleTemplate: z.unknown().optional(),
  cadence: z.unknown().optional(),
  footer: z.unknown().optional(),
  senderName: z.unknown().optional(),
  senderEmail: z.unknown().optional(),
});

/** The admin shell: dashboard and the sections of the navigation. */
export async function adminRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  app.addHook('preHandler', requireUser);

  app.get('/', async (_request, reply) => {
    const [settings, counts, growth] = await Promise.all([services.settings.get(), services.subscribers.counts(), services.subscribers.growth({ months: 12 })]);
    return reply.render('admin/dashboard', { settings, mailer: services.mailer.describe(), counts, chart: growthChart(growth) });
  });


  app.get('/settings', async (_request, reply) => {
    const settings = await services.settings.get();
    return reply.render('admin/settings', { values: settings, errors: {}, publicUrl: config.publicUrl });
  });

  app.post('/settings', { preHandler: requireOwner }, async (request, reply) => {
    const body = settingsBody.parse(request.body ?? {});
    try {
      await services.settings.update({ actor: request.user!, input: body });
      return reply.flash('success', 'Settings saved.').redirect('/admin/settings', 303);
    } catch (error) {
      if (error instanceof ValidationError) return reply.renderForm('admin/settings', { values: body, errors: error.fields, error: error.message, publicUrl: config.publicUrl });
      throw error;
    }
  });

  // The outbox holds working invitation, confirmation and unsubscribe links: owners only (the
  // service refuses anyone else; the hook answers before the folder is read).
  app.get('/outbox', { preHandler: requireOwner }, async (request, reply) => {
    const messages = config.smtpUrl ? undefined : await services.outbox.list({ actor: request.user! });
    return reply.render('admin/outbox', { messages, smtp: services.mailer.describe() });
  });

  app.get('/outbox/:file', { preHandler: requireOwner }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const message = await services.outbox.read({ actor: request.user!, file });
    if (!message) return reply.code(404).render('error', { status: 404, title: 'No such message', message: 'This message is not in the outbox.' });
    return reply.render('admin/outbox-message', { message, links: [...new Set(message.text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])] });
  });
}

/** The dashboard's growth chart as SVG geometry: bars for new and departed readers, a line for the total. */
export function growthChart(rows: Array<{ month: string; subscribed: number; left: number; total: number }>) {
  const width = 600;
  const height = 160;
  const barArea = width / Math.max(rows.length, 1);
  const maxBar = Math.max(1, ...rows.map((row) => Math.max(row.subscribed, row.left)));
  const maxTotal = Math.max(1, ...rows.map((row) => row.total));
  const y = (value: number, max: number) => height - (value / max) * (height - 10);
  return {
    width,
    height,
    rows: rows.map((row, index) => ({
      ...row,
      x: index * barArea + barArea * 0.15,
      barWidth: barArea * 0.32,
      subscribedY: y(row.subscribed, maxBar),
      leftY: y(row.left, maxBar),
    })),
    line: rows.map((row, index) => `${(index * barArea + barArea / 2).toFixed(1)},${y(row.total, maxTotal).toFixed(1)}`).join(' '),
  };
}
