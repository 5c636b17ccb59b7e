import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { editionBodyHtml, editionToMarkdown } from '../../../domain/editions/edition-render.ts';
import { ConflictError, ValidationError } from '../../../domain/platform/errors.ts';
import type { LinkCheckState } from '../../../domain/links/link-check-service.ts';
import { periodLabel } from '../../../domain/editions/periods.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import { publicContext } from '../../public-context.ts';
import { wantsFragment } from '../../plugins/render.ts';
import { linkView } from '../../view-models/link-view.ts';

const periodParams = z.object({ period: z.string().max(10) });
const idsBody = z.object({ ids: z.union([z.array(z.string().max(100)).max(1000), z.string().max(100)]).optional() });

/** Reads the free sections of the editor form (heading[]/body[] pairs); empty pairs are dropped. */
function freeSectionsFrom(body: Record<string, unknown>): Array<{ heading: string; body: string }> {
  const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
  const headings = list(body.sectionHeading);
  const bodies = list(body.sectionBody);
  return headings.map((heading, index) => ({ heading, body: bodies[index] ?? '' })).filter((section) => section.heading.trim() || section.body.trim());
}

function idsOf(body: unknown): string[] {
  const { ids } = idsBody.parse(body ?? {});
  return ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
}

/** Composing editions: the list, the editor, adding links, publishing. */
export async function editionsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { editions, links, settings } = services;
  app.addHook('preHandler', requireUser);

  /** Everything the editor page shows. */
  async function editorData(period: string, extra: Record<string, unknown> = {}) {
    const row = await editions.find(period);
    const sendStatus = await services.delivery.status(row.id, null, 0);
    const presend = row.status === 'published' && !sendStatus.send;
    const [doc, inbox, current, allCategories] = await Promise.all([
      editions.document(row),
      links.inbox(),
      settings.get(),
      services.categories.list(),
    ]);
    const linkIds = doc.sections.flatMap((section) => section.links.map((link) => link.id));
    const sectionLinks = new Map((await links.getMany({ ids: linkIds })).map((link) => [link.id, link]));
    const tagSuggestions = editions.tagSuggestions(doc, new Map([...sectionLinks].map(([id, link]) => [id, link.tags])));
    return {
      row,
      doc,
      sections: doc.sections.map((section) => ({ ...section, views: section.links.map((link) => linkView(sectionLinks.get(link.id)!)) })),
      missingCategories: allCategories.filter((category) => !doc.sections.some((section) => section.categoryId === category.id)),
      proposed: inbox.groups.flatMap((group) => group.links).map(linkView),
      settings: current,
      tagSuggestions,
      values: { title: row.title, slug: row.slug, tags: row.tags.join(', '), intro: row.intro, outro: row.outro, freeSections: row.freeSections, version: row.version },
      errors: {},
      label: periodLabel(row.period, current.locale),
      bodyHtml: editionBodyHtml(doc),
      checks: row.status === 'published' ? await services.delivery.checks(row.id) : [],
      sendStatus,
      // Opening the pre-send checks starts the link check when its results are missing, old or
      // about other links than the edition's current ones.
      linkCheck: presend ? await services.linkCheck.ensure({ edition: row.id }) : undefined,
      ...extra,
    };
  }

  /** The link check panel: the fragment for htmx (its polling and its button), the editor page otherwise. */
  async function renderLinkCheck(request: FastifyRequest, reply: FastifyReply, period: string, linkCheck: LinkCheckState) {
    if (!wantsFragment(request)) return reply.redirect(`/admin/editions/${period}#link-check`, 303);
    return reply.render('partials/link-check', { period, linkCheck });
  }

  app.get('/', async (_request, reply) => {
    const [list, current] = await Promise.all([editions.list(), editions.currentPeriod()]);
    return reply.render('admin/editions', { editions: list.map((row) => ({ ...row, path: editions.editionPath(row) })), currentPeriod: current });
  });

  app.post('/draft', async (request, reply) => {
    const { period } = z.object({ period: z.string().max(10).optional() }).parse(request.body ?? {});
    const row = await editions.ensureDraft(period || undefined);
    return reply.redirect(`/admin/editions/${row.period}`, 303);
  });

  app.get('/:period', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    return reply.render('admin/edition-editor', await editorData(period));
  });

  // Autosave and the Save button: the text fields, with the version the editor started from.
  app.post('/:period', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const input = { version: body.version, title: body.title, slug: body.slug, tags: body.tags, intro: body.intro, outro: body.outro, freeSections: freeSectionsFrom(body) };
    const typed = { ...input, tags: typeof body.tags === 'string' ? body.tags : '' };
    try {
      const row = await editions.update(period, input);
      if (!wantsFragment(request)) return reply.flash('success', 'Edition saved.').redirect(`/admin/editions/${row.period}`, 303);
      return reply.render('partials/edition-save-state', { state: 'saved', version: row.version, at: new Date() });
    } catch (error) {
      if (error instanceof ConflictError) {
        if (wantsFragment(request)) return reply.code(409).render('partials/edition-save-state', { state: 'conflict', message: error.message });
        return reply.code(409).render('admin/edition-editor', await editorData(period, { values: typed, error: error.message }));
      }
      if (error instanceof ValidationError) {
        if (wantsFragment(request)) return reply.code(422).render('partials/edition-save-state', { state: 'invalid', message: Object.values(error.fields)[0] ?? error.message });
        return reply.code(422).render('admin/edition-editor', await editorData(period, { values: typed, errors: error.fields, error: error.message }));
      }
      throw error;
    }
  });

  async function refreshSections(request: FastifyRequest, reply: FastifyReply, period: string) {
    if (!wantsFragment(request)) return reply.redirect(`/admin/editions/${period}`, 303);
    return reply.render('partials/edition-sections', await editorData(period));
  }

  app.post('/:period/links', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const ids = idsOf(request.body);
    if (ids.length === 0) throw new ValidationError('Choose the links to add.');
    await editions.addLinks({ id: period, linkIds: ids });
    return refreshSections(request, reply, period);
  });

  app.post('/:period/links/all', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    // In the inbox's own order: category by category, as the editor arranged them.
    const inbox = await links.inbox();
    await editions.addLinks({ id: period, linkIds: inbox.groups.flatMap((group) => group.links.map((link) => link.id)) });
    return refreshSections(request, reply, period);
  });

  app.post('/:period/links/:linkId/remove', async (request, reply) => {
    const { period, linkId } = z.object({ period: z.string().max(10), linkId: z.string().max(100) }).parse(request.params);
    await editions.removeLink({ id: period, linkId });
    return refreshSections(request, reply, period);
  });

  app.post('/:period/sections', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    await editions.setCategoryOrder(period, idsOf(request.body));
    if (wantsFragment(request) && request.headers['hx-target'] === undefined) return reply.code(204).send();
    return refreshSections(request, reply, period);
  });

  app.post('/:period/publish', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    try {
      const row = await editions.publish(period);
      return reply.flash('success', `Published: ${editions.editionPath(row)}`).redirect(`/admin/editions/${period}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      return reply.code(error instanceof ValidationError ? 422 : 409).render('admin/edition-editor', await editorData(period, { publishError: error.message }));
    }
  });

  app.post('/:period/schedule', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const { scheduledAt } = z.object({ scheduledAt: z.string().max(40).default('') }).parse(request.body ?? {});
    try {
      await editions.schedule(period, scheduledAt);
      return reply.flash('success', 'Publication scheduled.').redirect(`/admin/editions/${period}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      return reply.code(error instanceof ValidationError ? 422 : 409).render('admin/edition-editor', await editorData(period, { publishError: error.message, scheduledValue: scheduledAt }));
    }
  });

  app.post('/:period/unpublish', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    await editions.unpublish(period);
    return reply.flash('success', 'The edition is a draft again: it left the public site.').redirect(`/admin/editions/${period}`, 303);
  });

  // The web page and the email side by side, as readers will see them.
  app.get('/:period/previews', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const row = await editions.find(period);
    return reply.render('admin/edition-previews', { row });
  });

  // The page as readers will see it, published or not.
  app.get('/:period/preview', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const row = await editions.find(period);
    const [doc, context] = await Promise.all([editions.document(row), publicContext(services)]);
    const html = await reply.viewAsync('public/edition', { ...context, doc, bodyHtml: editionBodyHtml(doc), summary: '', preview: row.status !== 'published' });
    // Shown in a frame of the side-by-side preview page.
    return reply
      .header('Content-Security-Policy', "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'none'; frame-ancestors 'self'")
      .header('X-Frame-Options', 'SAMEORIGIN')
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.post('/:period/test-email', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    await services.delivery.sendTest(period, request.user!.email);
    return reply.flash('success', `A test email was sent to ${request.user!.email}.`).redirect(`/admin/editions/${period}`, 303);
  });

  // The email as subscribers will get it. Its styles are inline, as email needs: this one answer
  // allows them, and nothing else (no scripts, no requests).
  app.get('/:period/email-preview', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const email = await services.delivery.preview(period);
    return reply
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'")
      .header('X-Frame-Options', 'SAMEORIGIN')
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(email.html);
  });

  app.post('/:period/send', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    try {
      await services.delivery.start(period, request.user!);
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
      return reply.code(error instanceof ValidationError ? 422 : 409).render('admin/edition-editor', await editorData(period, { publishError: error.message }));
    }
    return reply.redirect(`/admin/editions/${period}/delivery`, 303);
  });

  app.get('/:period/delivery', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const status = await services.delivery.status(period, request.user!);
    return reply.render('admin/delivery', status, { fragment: 'partials/delivery-progress' });
  });

  for (const action of ['pause', 'resume', 'retry'] as const) {
    app.post(`/:period/delivery/${action}`, async (request, reply) => {
      const { period } = periodParams.parse(request.params);
      if (action === 'pause') await services.delivery.pause(period);
      else if (action === 'resume') await services.delivery.resume(period);
      else await services.delivery.retryFailed(period);
      if (wantsFragment(request)) return reply.render('partials/delivery-progress', await services.delivery.status(period, request.user!));
      return reply.redirect(`/admin/editions/${period}/delivery`, 303);
    });
  }

  app.get('/:period/link-check', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    return renderLinkCheck(request, reply, period, await services.linkCheck.status({ edition: period }));
  });

  app.post('/:period/link-check', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const linkCheck = await services.linkCheck.start({ edition: period });
    if (!wantsFragment(request)) reply.flash('info', 'The links are being checked again.');
    return renderLinkCheck(request, reply, period, linkCheck);
  });

  app.get('/:period/export.md', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const doc = await editions.document(await editions.find(period));
    return reply
      .header('Content-Disposition', `attachment; filename="${doc.slug}.md"`)
      .type('text/markdown; charset=utf-8')
      .send(editionToMarkdown(doc));
  });
}
