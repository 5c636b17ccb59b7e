import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { ImportSource } from '../../../domain/imports/sources.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { readersFormWords, refusalIn, uploadRefusalCode } from '../../form-words.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { isUploadError, registerUploads } from '../../plugins/uploads.ts';
import { importPage, importReportPage } from '../../view-models/import-view.ts';

// The upload itself may be larger than what an import accepts: the reader then says by how much,
// instead of the connection being cut.
const UPLOAD_CEILING = 60 * 1024 * 1024;
const idParams = z.object({ id: z.string() });

/** What the import form names: the uploaded file, else the feed's address. */
function sourceOf(request: FastifyRequest): ImportSource {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const url = typeof body.url === 'string' ? body.url.trim() : '';
  if (Buffer.isBuffer(body.file) && body.file.length > 0) return { kind: 'upload', filename: request.uploadNames?.file || 'upload', bytes: body.file };
  if (!url)
    throw new ValidationError(
      'Choose a file (a .zip or Markdown folder export, a Markdown file, a feed, veille-export.json) or give the address of a feed.',
      {},
      {
        code: 'import_no_source',
      },
    );
  if (!/^https?:\/\//i.test(url))
    throw new ValidationError(
      'Give the address of a feed, starting with https:// or http://.',
      { url: 'Give an http(s) address.' },
      {
        code: 'import_not_http',
        fieldCodes: { url: 'url_not_http' },
      },
    );
  return { kind: 'url', url };
}

/** Importing editions: upload or feed address, the dry run's report, then the run with its progress. */
export async function importRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // An export brings subscribers and settings: owners only, as for the export. Checked as the
  // request arrives, before an upload is read into memory.
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('newsletter.import'));
  const { imports } = services;
  const uploadForm: FormRoute = {
    template: 'admin/import',
    page: (request) => importPage(services, request.user!),
    keys: { values: 'values', errors: 'errors', error: 'importError' },
    words: readersFormWords,
  };

  app.get('/import', async (request, reply) => reply.render('admin/import', await importPage(services, request.user!)));

  // The upload: its own scope, the only one of this feature that reads multipart bodies.
  await app.register(async (uploads) => {
    await registerUploads(uploads, { fileSize: UPLOAD_CEILING, files: 1, fields: 10, fieldSize: 64 * 1024 });
    // A broken upload, or one cut short beyond the ceiling: the form and the reason, not a bare error page.
    const errorHandler = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (!isUploadError(error)) throw error;
      const code = uploadRefusalCode(error);
      const importError =
        code === 'upload_file_too_large'
          ? adminWords(request).readers.imports.tooLarge(UPLOAD_CEILING / 1024 / 1024)
          : refusalIn(request, { code, message: error.message });
      return reply.render('admin/import', { ...(await importPage(services, request.user!)), importError }, { status: error.statusCode });
    };

    uploads.post('/import', { errorHandler, config: { form: uploadForm } }, async (request, reply) => {
      const prepared = await imports.prepare({ actor: request.user!, source: sourceOf(request) });
      return reply.redirect(`/admin/import/${prepared.id}`, 303);
    });
  });

  app.get('/import/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    return reply.render('admin/import-report', await importReportPage(services, request.user!, id), { fragment: 'partials/import-progress' });
  });

  app.post('/import/:id/run', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await imports.start({ actor: request.user!, id });
    if (!wantsFragment(request)) return reply.redirect(`/admin/import/${id}`, 303);
    return reply.render('admin/import-report', await importReportPage(services, request.user!, id), { fragment: 'partials/import-progress' });
  });
}
