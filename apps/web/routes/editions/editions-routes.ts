import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { editionToMarkdown } from '../../../domain/editions/edition-markdown.ts';
import { editionBodyHtml } from '../../../domain/editions/edition-render.ts';
import { editionPath } from '../../../domain/editions/periods.ts';
import type { LinkCheckState } from '../../../domain/links/link-check-service.ts';
import { ValidationError } from '../../../domain/platform/errors.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { publicContext } from '../../public-context.ts';
import { editionEditorView, editorParams, publishingForm } from '../../view-models/edition-editor-view.ts';
import { editionFormWords } from '../../view-models/edition-form-words.ts';
import { linkEditPage } from '../../view-models/link-pages-view.ts';
import { linkInput } from '../links/links-routes.ts';
import { editionsView } from '../../view-models/editions-view.ts';

const idsBody = z.object({ ids: z.union([z.array(z.string().max(100)).max(1000), z.string().max(100)]).optional() });

/** The blocks of the editor form as the service reads them: each block's key in order, its texts under `<field>:<key>`. */
function blocksFrom(body: Record<string, unknown>): Array<Record<string, unknown>> | undefined {
  const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
  if (body.blockKey === undefined) return undefined;
  const kept = new Set(list(body.keepEmpty));
  return list(body.blockKey)
    .slice(0, 500)
    .map((key) => {
      const text = (field: string) => (typeof body[`${field}:${key}`] === 'string' ? body[`${field}:${key}`] : '');
      if (key.startsWith('t:')) return { kind: 'text', id: key.slice(2), heading: text('heading'), body: text('body') };
      const id = key.slice(2);
      return { kind: 'category', categoryId: id === 'none' ? null : id, intro: text('intro'), outro: text('outro'), keepEmpty: kept.has(key) };
    });
}

/** The edition form as it was posted, for the service to check. */
function editionInput(body: unknown): Record<string, unknown> {
  const fields = (body ?? {}) as Record<string, unknown>;
  return {
    version: fields.version,
    title: fields.title,
    slug: fields.slug,
    tags: fields.tags,
    intro: fields.intro,
    outro: fields.outro,
    blocks: blocksFrom(fields),
  };
}

const linkParams = z.object({ period: z.string().max(10), linkId: z.string().max(100) });

/** Where the link form of the editor saves and cancels to: the edition's sections, not the inbox. */
function inEditor(period: string, linkId: string) {
  return {
    saveAction: `/admin/editions/${period}/links/${linkId}`,
    cancelTarget: '#edition-sections',
    cancelHref: `/admin/editions/${period}`,
    cancelGet: `/admin/editions/${period}/sections`,
  };
}

function idsOf(body: unknown): string[] {
  const { ids } = idsBody.parse(body ?? {});
  return ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
}

/** Composing editions: the list, the editor, adding links, publishing. */
export async function editionsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { editions, links } = services;
  app.addHook('onRequest', requireUser);

  // Autosave answers with the save state (409 when someone else saved meanwhile, 422 when invalid);
  // the plain form answers with the whole editor holding what was typed.
  const editionForm: FormRoute = {
    template: 'admin/edition-editor',
    fragment: 'partials/edition-save-state',
    words: editionFormWords,
    // The text fields typed come back through the form helper; the blocks' texts are rebuilt from their keys.
    page: async (request) =>
      editionEditorView(services, {
        ...editorParams.parse(request.params),
        typedBlocks: blocksFrom((request.body ?? {}) as Record<string, unknown>),
      }),
  };
  const publishing = publishingForm(services);

  /** The link check panel: the fragment for htmx (its polling and its button), the editor page otherwise. */
  async function renderLinkCheck(request: FastifyRequest, reply: FastifyReply, period: string, linkCheck: LinkCheckState) {
    if (!wantsFragment(request)) return reply.redirect(`/admin/editions/${period}#link-check`, 303);
    return reply.render('partials/link-check', { period, linkCheck });
  }

  /** After a change to the edition's links: the sections for htmx, the editor otherwise. */
  async function refreshSections(request: FastifyRequest, reply: FastifyReply, period: string) {
    if (!wantsFragment(request)) return reply.redirect(`/admin/editions/${period}`, 303);
    return reply.render('partials/edition-sections', await editionEditorView(services, { period }));
  }

  app.get('/', async (_request, reply) => reply.render('admin/editions', await editionsView(services)));

  app.post('/draft', async (request, reply) => {
    const { period } = z.object({ period: z.string().max(10).optional() }).parse(request.body ?? {});
    const row = await editions.ensureDraft({ period: period || undefined });
    return reply.redirect(`/admin/editions/${row.period}`, 303);
  });

  app.get('/:period', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return reply.render('admin/edition-editor', await editionEditorView(services, { period }));
  });

  // Autosave and the Save button: the text fields, with the version the editor started from.
  app.post('/:period', { config: { form: editionForm } }, async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const row = await editions.update({ period, input: editionInput(request.body) });
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).edition.flash.saved).redirect(`/admin/editions/${row.period}`, 303);
    return reply.render('partials/edition-save-state', { state: 'saved', version: row.version, at: new Date() });
  });

  app.post('/:period/links', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const ids = idsOf(request.body);
    if (ids.length === 0) throw new ValidationError('Choose the links to add.');
    await editions.addLinks({ id: period, linkIds: ids });
    return refreshSections(request, reply, period);
  });

  app.post('/:period/links/all', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    // In the inbox's own order: category by category, as the editor arranged them.
    const inbox = await links.inbox();
    await editions.addLinks({ id: period, linkIds: inbox.groups.flatMap((group) => group.links.map((link) => link.id)) });
    return refreshSections(request, reply, period);
  });

  // A link edited in place: its form replaces its row, and saving shows the sections again.
  app.get('/:period/links/:linkId/edit', async (request, reply) => {
    const { period, linkId } = linkParams.parse(request.params);
    return reply.render('partials/link-edit', { ...(await linkEditPage(services, { id: linkId })), ...inEditor(period, linkId) });
  });

  const linkInEditorForm: FormRoute = {
    template: 'admin/link-edit',
    fragment: 'partials/link-edit',
    page: async (request) => {
      const { period, linkId } = linkParams.parse(request.params);
      return { ...(await linkEditPage(services, { id: linkId })), ...inEditor(period, linkId) };
    },
  };

  app.post('/:period/links/:linkId', { config: { form: linkInEditorForm } }, async (request, reply) => {
    const { period, linkId } = linkParams.parse(request.params);
    await links.update({ id: linkId, input: linkInput(request.body) });
    if (!wantsFragment(request)) reply.flash('success', adminWords(request).edition.flash.linkSaved);
    // The form stood in the link's row; saved, the sections are shown again, the link in its place.
    return refreshSections(request, reply.header('HX-Retarget', '#edition-sections').header('HX-Reswap', 'outerHTML'), period);
  });

  app.post('/:period/links/:linkId/remove', async (request, reply) => {
    const { period, linkId } = linkParams.parse(request.params);
    await editions.removeLink({ id: period, linkId });
    return refreshSections(request, reply, period);
  });

  // The blocks' order (dragged: their keys in order) or one change to them (the move, remove and add buttons).
  app.get('/:period/sections', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    // Found first: the redirect without htmx names only an edition that exists.
    const row = await editions.find({ period });
    return refreshSections(request, reply, row.period);
  });

  app.post('/:period/sections', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const { action, order } = z
      .object({ action: z.string().max(200).optional(), order: z.union([z.array(z.string().max(100)).max(500), z.string().max(100)]).optional() })
      .parse(request.body ?? {});
    await editions.arrange({ period, action, order: order === undefined ? undefined : Array.isArray(order) ? order : [order] });
    if (wantsFragment(request) && request.headers['hx-target'] === undefined) return reply.code(204).send();
    return refreshSections(request, reply, period);
  });

  app.post('/:period/publish', { config: { form: publishing } }, async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const row = await editions.publish({ period });
    return reply.flash('success', adminWords(request).edition.flash.published(editionPath(row))).redirect(`/admin/editions/${period}`, 303);
  });

  app.post('/:period/schedule', { config: { form: publishing } }, async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const { scheduledAt } = z.object({ scheduledAt: z.string().max(40).default('') }).parse(request.body ?? {});
    await editions.schedule({ period, at: scheduledAt });
    return reply.flash('success', adminWords(request).edition.flash.scheduled).redirect(`/admin/editions/${period}`, 303);
  });

  app.post('/:period/unpublish', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    await editions.unpublish({ period });
    return reply.flash('success', adminWords(request).edition.flash.unpublished).redirect(`/admin/editions/${period}`, 303);
  });

  // The web page and the email side by side, as readers will see them.
  app.get('/:period/previews', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return reply.render('admin/edition-previews', { row: await editions.find({ period }) });
  });

  // The page as readers will see it, published or not.
  app.get('/:period/preview', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const row = await editions.find({ period });
    const [doc, context] = await Promise.all([editions.document({ edition: row }), publicContext(services)]);
    const html = await reply.viewAsync('public/edition', { ...context, doc, bodyHtml: editionBodyHtml(doc), summary: '', preview: row.status !== 'published' });
    // Shown in a frame of the side-by-side preview page.
    return reply
      .header('Content-Security-Policy', "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'none'; frame-ancestors 'self'")
      .header('X-Frame-Options', 'SAMEORIGIN')
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.get('/:period/link-check', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return renderLinkCheck(request, reply, period, await services.linkCheck.status({ edition: period }));
  });

  // Asked by the panel once the editor has loaded: a check starts when there is none, when it is
  // old, or when the edition's links changed since.
  app.post('/:period/link-check/ensure', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    return renderLinkCheck(request, reply, period, await services.linkCheck.ensure({ edition: period }));
  });

  // "Check links again": a new run at once.
  app.post('/:period/link-check', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const linkCheck = await services.linkCheck.start({ edition: period });
    if (!wantsFragment(request)) reply.flash('info', adminWords(request).edition.flash.checkingAgain);
    return renderLinkCheck(request, reply, period, linkCheck);
  });

  app.get('/:period/export.md', async (request, reply) => {
    const { period } = editorParams.parse(request.params);
    const doc = await editions.document({ edition: await editions.find({ period }) });
    return reply.header('Content-Disposition', `attachment; filename="${doc.slug}.md"`).type('text/markdown; charset=utf-8').send(editionToMarkdown(doc));
  });
}
