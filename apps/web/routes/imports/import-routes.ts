import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { ImportSource } from '../../../domain/imports/sources.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import { wantsFragment } from '../../plugins/render.ts';
import { isUploadError, registerUploads } from '../../plugins/uploads.ts';

// The upload itself may be larger than what an import accepts: the reader then says by how much,
// instead of the connection being cut.
const UPLOAD_CEILING = 60 * 1024 * 1024;

/** Importing editions: upload or feed address, the dry run's report, then the run with its progress. */
export async function importRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // An export brings subscribers and settings: owners only, as for the export. Checked as the
  // request arrives, before an upload is read into memory.
  app.addHook('onRequest', requireUser);
  app.addHook('onRequest', requirePermission('newsletter.import'));
  const { imports } = services;

  async function page(request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}, status = 200) {
    return reply.render('admin/import', { recent: await imports.listRecent(request.user!), url: '', ...data }, { status });
  }

  app.get('/import', async (request, reply) => page(request, reply));

  // The upload: its own scope, the only one of this feature that reads multipart bodies.
  await app.register(async (uploads) => {
    await registerUploads(uploads, { fileSize: UPLOAD_CEILING, files: 1, fields: 10, fieldSize: 64 * 1024 });
    // A broken upload, or one cut short beyond the ceiling: the form and the reason, not a bare error page.
    const errorHandler = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (!isUploadError(error)) throw error;
      const tooLarge = error.code === 'upload_too_large' && /^The file/.test(error.message);
      const importError = tooLarge ? `The file is larger than ${UPLOAD_CEILING / 1024 / 1024} MB; an import takes up to 25 MB (a zip of Markdown files is much smaller than the files).` : error.message;
      return page(request, reply, { importError }, error.statusCode);
    };

    uploads.post('/import', { errorHandler }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const url = typeof body.url === 'string' ? body.url.trim() : '';
      const file = Buffer.isBuffer(body.file) && body.file.length > 0 ? body.file : undefined;
      try {
        let source: ImportSource;
        if (file) source = { kind: 'upload', filename: request.uploadNames?.file || 'upload', bytes: file };
        else if (url) {
          if (!/^https?:\/\//i.test(url)) throw new ValidationError('Give the address of a feed, starting with https:// or http://.', { url: 'Give an http(s) address.' });
          source = { kind: 'url', url };
        } else throw new ValidationError('Choose a file (a .zip or Markdown folder export, a Markdown file, a feed, veille-export.json) or give the address of a feed.');
        const prepared = await imports.prepare(source, request.user!);
        return reply.redirect(`/admin/import/${prepared.id}`, 303);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return page(request, reply, { importError: error.message, url }, 422);
      }
    });
  });

  app.get('/import/:id', async (request, reply) => {
    const { id } = z.object({ id: z.string() }).parse(request.params);
    const found = await imports.find(id, request.user!);
    return reply.render('admin/import-report', { job: found, report: found.report }, { fragment: 'partials/import-progress' });
  });

  app.post('/import/:id/run', async (request, reply) => {
    const { id } = z.object({ id: z.string() }).parse(request.params);
    await imports.start(id, request.user!);
    if (!wantsFragment(request)) return reply.redirect(`/admin/import/${id}`, 303);
    const found = await imports.find(id, request.user!);
    return reply.render('admin/import-report', { job: found, report: found.report }, { fragment: 'partials/import-progress' });
  });
}
