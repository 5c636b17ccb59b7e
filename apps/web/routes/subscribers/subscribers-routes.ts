import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { MAX_IMPORT_BYTES } from '../../../domain/subscribers/subscriber-import.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import { wantsFragment } from '../../plugins/render.ts';
import { isUploadError, registerUploads } from '../../plugins/uploads.ts';

const idParams = z.object({ id: z.string().max(100) });

/** The admin's list of readers: search, filters, counts, add by hand, export, erasure. */
export async function subscribersRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { subscribers } = services;
  // As the request arrives: an upload is not read for a visitor who is not signed in, nor for an
  // editor. The service refuses editors too (readers' addresses are for owners only); this only
  // answers them before anything is parsed.
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('subscribers.manage'));

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const filters = { status: typeof query.status === 'string' ? query.status : '', q: typeof query.q === 'string' ? query.q : '' };
    let list;
    let filterError: string | undefined;
    try {
      list = await subscribers.list({ ...filters, page: query.page }, request.user!);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      filterError = error.message;
      list = await subscribers.list({}, request.user!);
    }
    const counts = await subscribers.counts();
    return reply.code(filterError ? 422 : status).render('admin/subscribers', { list, counts, filters, filterError, values: {}, errors: {}, ...extra }, { fragment: request.headers['hx-target'] === 'subscriber-list' ? 'partials/subscriber-list' : undefined });
  }

  app.get('/', async (request, reply) => page(request, reply));

  app.post('/', async (request, reply) => {
    const body = z.object({ email: z.unknown().optional() }).parse(request.body ?? {});
    try {
      const subscriber = await subscribers.add(body, request.user!);
      return reply.flash('success', `${subscriber.email} is subscribed.`).redirect('/admin/subscribers', 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return page(request, reply, { values: { email: typeof body.email === 'string' ? body.email : '' }, errors: error.fields }, 422);
    }
  });

  app.post('/:id/erase', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await subscribers.erase(id, request.user!);
    if (wantsFragment(request)) return reply.code(200).send('');
    return reply.flash('success', 'The subscriber and all their personal data were erased.').redirect('/admin/subscribers', 303);
  });

  // Step 1: upload, then a preview of what would happen. Step 2: import it, all or nothing. The
  // upload has a scope of its own: the only route here that reads multipart bodies.
  await app.register(async (uploads) => {
    await registerUploads(uploads, { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5, fieldSize: 4096 });
    // A broken or oversized upload: the page with its form and the reason.
    const errorHandler = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (!isUploadError(error)) throw error;
      return page(request, reply, { importError: error.message }, error.statusCode);
    };

    uploads.post('/import', { errorHandler }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const content = Buffer.isBuffer(body.file) ? body.file : typeof body.file === 'string' ? Buffer.from(body.file) : undefined;
      try {
        if (!content || content.length === 0) throw new ValidationError('Choose a CSV file to import.');
        const filename = request.uploadNames?.file || (typeof body.filename === 'string' ? body.filename : 'subscribers.csv');
        const preview = await subscribers.previewImport({ content, filename }, request.user!);
        return reply.render('admin/subscriber-import', { preview });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return page(request, reply, { importError: error.message }, 422);
      }
    });
  });

  app.post('/import/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const result = await subscribers.runImport(id, request.user!);
    return reply.flash('success', `Imported ${result.active} active and ${result.pending} pending subscribers.`).redirect('/admin/subscribers', 303);
  });

  app.get('/export.csv', async (request, reply) => {
    const csv = await subscribers.exportCsv(request.user!);
    return reply
      .header('Content-Disposition', `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .send(csv);
  });
}
