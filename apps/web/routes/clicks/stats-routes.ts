import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords } from '../../plugins/render.ts';
import { editionFormWords } from '../../view-models/edition-form-words.ts';
import { editorParams } from '../../view-models/edition-editor-view.ts';
import { editionLinkParams, editionStatsView } from '../../view-models/edition-stats-view.ts';

/** Sends a CSV as a download. */
export function sendCsv(reply: FastifyReply, file: { filename: string; csv: string }): FastifyReply {
  return reply
    .header('Content-Disposition', `attachment; filename="${file.filename}"`)
    .header('Cache-Control', 'no-store')
    .type('text/csv; charset=utf-8')
    .send(file.csv);
}

/** An edition's stats in the admin: clicks per link, the archive's dead links and their new URLs; the CSV exports. */
export async function statsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addHook('onRequest', requireUser);

  // A refused URL comes back in the page, beside the link it was meant for, as typed.
  const replaceForm: FormRoute = {
    template: 'admin/edition-stats',
    page: async (request) => {
      const { period, linkId } = editionLinkParams.parse(request.params);
      return { ...(await editionStatsView(services, { period })), replaceValues: { linkId } };
    },
    keys: { values: 'replaceValues', errors: 'replaceErrors', error: 'replaceError' },
    words: editionFormWords,
  };

  app.get('/most-followed.csv', async (_request, reply) => sendCsv(reply, await services.clicks.topLinksCsv()));

  app.get('/:period/stats', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return reply.render('admin/edition-stats', await editionStatsView(services, { period }));
  });

  app.get('/:period/stats.csv', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return sendCsv(reply, await services.clicks.editionCsv({ edition: period }));
  });

  app.post('/:period/links/:linkId/url', { config: { form: replaceForm } }, async (request, reply) => {
    const { period, linkId } = editionLinkParams.parse(request.params);
    const { url } = z.object({ url: z.unknown() }).parse(request.body ?? {});
    await services.linkHealth.replaceUrl({ edition: period, linkId, url });
    return reply.flash('success', adminWords(request).edition.flash.urlReplaced).redirect(`/admin/editions/${period}/stats#links-health`, 303);
  });
}
