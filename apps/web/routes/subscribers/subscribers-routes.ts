import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { ValidationError } from '../../../domain/platform/errors.ts';
import { MAX_IMPORT_BYTES } from '../../../domain/subscribers/subscriber-import.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { readersFormWords, refusalIn, uploadRefusalCode } from '../../form-words.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { isUploadError, registerUploads } from '../../plugins/uploads.ts';
import { subscribersView } from '../../view-models/subscribers-view.ts';

const idParams = z.object({ id: z.string().max(100) });

/** The admin's list of readers: search, filters, counts, add by hand, export, erasure. */
export async function subscribersRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { subscribers } = services;
  // As the request arrives: an upload is not read for a visitor who is not signed in, nor for an
  // editor. The service refuses editors too (readers' addresses are for owners only); this only
  // answers them before anything is parsed.
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('subscribers.manage'));

  const pageOf = (request: FastifyRequest) => subscribersView(services, { actor: request.user!, query: request.query });
  const addForm: FormRoute = { template: 'admin/subscribers', page: pageOf, words: readersFormWords };
  // A refused file: the page with the import open and the reason.
  const importForm: FormRoute = {
    template: 'admin/subscribers',
    page: pageOf,
    keys: { values: 'importValues', errors: 'importErrors', error: 'importError' },
    words: readersFormWords,
  };

  // A filter that is not one (unknown status, page 0) shows every reader, with the reason, as a 422.
  app.get('/', async (request, reply) => {
    const view = await pageOf(request);
    const fragment = request.headers['hx-target'] === 'subscriber-list' ? 'partials/subscriber-list' : undefined;
    return reply.render('admin/subscribers', view, { fragment, status: view.filterError ? 422 : 200 });
  });

  app.post('/', { config: { form: addForm } }, async (request, reply) => {
    const { email } = z.object({ email: z.unknown().optional() }).parse(request.body ?? {});
    const subscriber = await subscribers.add({ actor: request.user!, email });
    return reply.flash('success', adminWords(request).readers.subscribers.added(subscriber.email)).redirect('/admin/subscribers', 303);
  });

  // One reader: source, consent record, history, and the confirmation sent again for a pending one.
  app.get('/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    return reply.render('admin/subscriber', await subscribers.detail({ actor: request.user!, id }));
  });

  app.post('/:id/resend-confirmation', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const subscriber = await subscribers.resendConfirmation({ actor: request.user!, id });
    return reply.flash('success', adminWords(request).subscriber.resent(subscriber.email)).redirect(`/admin/subscribers/${subscriber.id}`, 303);
  });

  app.post('/:id/erase', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await subscribers.erase({ actor: request.user!, id });
    if (wantsFragment(request)) return reply.code(200).send('');
    return reply.flash('success', adminWords(request).readers.subscribers.erased).redirect('/admin/subscribers', 303);
  });

  // Step 1: upload, then a preview of what would happen. Step 2: import it, all or nothing. The
  // upload has a scope of its own: the only route here that reads multipart bodies.
  await app.register(async (uploads) => {
    await registerUploads(uploads, { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5, fieldSize: 4096 });
    // A broken or oversized upload: the page with its form and the reason.
    const errorHandler = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (!isUploadError(error)) throw error;
      const code = uploadRefusalCode(error) === 'upload_file_too_large' ? 'csv_too_large' : uploadRefusalCode(error);
      const importError = refusalIn(request, { code, message: error.message });
      return reply.render('admin/subscribers', { ...(await pageOf(request)), importError }, { status: error.statusCode });
    };

    uploads.post('/import', { errorHandler, config: { form: importForm } }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const content = Buffer.isBuffer(body.file) ? body.file : typeof body.file === 'string' ? Buffer.from(body.file) : undefined;
      if (!content || content.length === 0) throw new ValidationError('Choose a CSV file to import.', {}, { code: 'choose_csv' });
      const filename = request.uploadNames?.file || (typeof body.filename === 'string' ? body.filename : 'subscribers.csv');
      const preview = await subscribers.previewImport({ actor: request.user!, content, filename });
      return reply.render('admin/subscriber-import', { preview });
    });
  });

  app.post('/import/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const result = await subscribers.runImport({ actor: request.user!, id });
    return reply.flash('success', adminWords(request).readers.subscribers.imported(result.active, result.pending)).redirect('/admin/subscribers', 303);
  });

  app.get('/export.csv', async (request, reply) => {
    const csv = await subscribers.exportCsv({ actor: request.user! });
    return reply
      .header('Content-Disposition', `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .send(csv);
  });
}
