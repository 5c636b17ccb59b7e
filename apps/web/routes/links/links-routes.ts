import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderCommentary } from '../../../domain/links/link-fields.ts';
import type { Config } from '../../../bootstrap/config.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWords, wantsFragment } from '../../plugins/render.ts';
import { bulkNotice, inboxFilters, inboxGroupRows, inboxPage } from '../../view-models/inbox-view.ts';
import { duplicateSentence, linkEditPage, linkFieldRow, linkNewPage, linkRow, ROW_FIELDS } from '../../view-models/link-pages-view.ts';
import { linkView } from '../../view-models/link-view.ts';
import { linkFormWords } from './link-form-words.ts';

const idParams = z.object({ id: z.string().max(100) });
const moveBody = z.object({
  categoryId: z.string().max(100).optional(),
  beforeId: z.string().max(100).optional(),
  afterId: z.string().max(100).optional(),
});
const bulkBody = z.object({
  ids: z.union([z.array(z.string().max(100)).max(1000), z.string().max(100)]).optional(),
  action: z.string().max(20).optional(),
  categoryId: z.string().max(100).optional(),
  tags: z.string().max(1000).optional(),
});
const newQuery = z.object({
  url: z.string().max(4000).optional(),
  title: z.string().max(2000).optional(),
  text: z.string().max(20_000).optional(),
  popup: z.string().optional(),
});
const editQuery = z.object({ field: z.string().max(20).optional(), popup: z.string().max(1).optional() });
const LINK_FIELDS = ['url', 'title', 'commentary', 'via', 'tags', 'categoryId', 'category', 'parentId', 'description', 'siteName'];

/** Only the fields a link form may set; anything else in the body is ignored. */
export function linkInput(body: unknown): Record<string, unknown> {
  const fields = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(LINK_FIELDS.filter((field) => fields[field] !== undefined).map((field) => [field, fields[field]]));
}

const isPopup = (request: FastifyRequest) => (request.body as Record<string, unknown> | undefined)?.popup === '1';
// The search box swaps the list only; anything else asking for the inbox gets the page.
const listFragment = (request: FastifyRequest) =>
  ({ 'inbox-list': 'partials/inbox-list', 'more-results': 'partials/link-result-rows' })[String(request.headers['hx-target'])];

/** The inbox: quick-add, inline editing, ordering, bulk actions, search; and the capture popup. */
export async function linksRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Pick<Config, 'publicUrl'> }) {
  const { links } = services;
  app.addHook('onRequest', requireUser);

  // A refused filter shows the whole inbox with the reason; a refused bulk action, the list with its reason.
  const filterForm: FormRoute = {
    template: 'admin/inbox',
    fragment: listFragment,
    page: async (request) => ({ ...(await inboxPage(services, {})), filters: inboxFilters.parse(request.query ?? {}) }),
    keys: { values: 'filterValues', errors: 'filterErrors', error: 'filterError' },
    words: linkFormWords(),
  };
  const bulkForm: FormRoute = {
    template: 'admin/inbox',
    fragment: 'partials/inbox-list',
    page: () => inboxPage(services, {}),
    keys: { values: 'bulkValues', errors: 'bulkErrors', error: 'filterError' },
    words: linkFormWords(),
  };
  // The popup and the page without JavaScript show the form again; quick-add shows the reason under
  // its field, and lets htmx show a refused character as any other refusal.
  const addForm: FormRoute = {
    template: (request, failure) => (isPopup(request) || !wantsFragment(request) ? 'admin/link-new' : failure.refused ? undefined : 'partials/quick-add-error'),
    page: async (request) => ({ ...(await linkNewPage(services, { popup: isPopup(request) })), values: {} }),
    words: linkFormWords(),
  };
  const editForm: FormRoute = {
    template: 'admin/link-edit',
    fragment: 'partials/link-edit',
    page: (request) => linkEditPage(services, { id: idParams.parse(request.params).id, popup: isPopup(request) }),
    words: linkFormWords(),
  };

  async function renderRow(reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) {
    return reply.render('partials/link-row', { ...(await linkRow(services, id)), ...extra });
  }

  function changed(reply: FastifyReply) {
    // The counts above the list listen for this event and refresh themselves.
    reply.header('HX-Trigger', 'links-changed');
  }

  app.get('/inbox', { config: { form: filterForm } }, async (request, reply) =>
    reply.render('admin/inbox', await inboxPage(services, request.query), { fragment: listFragment(request) }),
  );

  app.get('/inbox/rows', async (request, reply) => reply.render('partials/link-rows', await inboxGroupRows(services, request.query)));

  app.get('/inbox/counts', async (_request, reply) => {
    const inbox = await links.inbox({ limitPerPage: 0 });
    // The per-category counts in the group headings are refreshed along with it (out of band).
    return reply.render('partials/inbox-counts-content', { inbox, oob: true });
  });

  // Quick-add and the capture popup post here.
  app.post('/links', { config: { form: addForm } }, async (request, reply) => {
    const { link, duplicates } = await links.add({ actor: request.user!, input: linkInput(request.body) });
    if (isPopup(request)) return reply.render('admin/link-saved', { link: linkView(link), duplicates });
    if (!wantsFragment(request)) {
      const words = adminWords(request).links.flash;
      reply.flash(duplicates.length ? 'info' : 'success', duplicates.length ? words.savedAgain(duplicateSentence(words, duplicates)) : words.saved);
      return reply.redirect('/admin/inbox', 303);
    }
    changed(reply);
    return reply.render('partials/link-added', { link: linkView({ ...link, children: [] }), duplicates, categories: await services.categories.list() });
  });

  // The capture popup opened by the bookmarklet, pre-filled with the page's URL, title and selection.
  app.get('/links/new', async (request, reply) => {
    const query = newQuery.parse(request.query);
    return reply.render('admin/link-new', await linkNewPage(services, { ...query, popup: query.popup === '1' }));
  });

  app.get('/links/check', async (request, reply) => {
    const { url } = z.object({ url: z.string().max(4000).default('') }).parse(request.query);
    return reply.render('partials/duplicate-warning', { duplicates: url ? await links.duplicatesOf({ url }) : [] });
  });

  app.get('/links/:id/row', async (request, reply) => renderRow(reply, idParams.parse(request.params).id));

  app.get('/links/:id/edit', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { field, popup } = editQuery.parse(request.query);
    // With htmx, a click on the title, the commentary or the category edits that one field in the row.
    const inRow = ROW_FIELDS.find((name) => name === field);
    if (inRow && wantsFragment(request)) return reply.render('partials/link-row', await linkFieldRow(services, id, inRow));
    return reply.render('admin/link-edit', await linkEditPage(services, { id, focus: field ?? 'title', popup: popup === '1' }), {
      fragment: 'partials/link-edit',
    });
  });

  app.post('/links/:id', { config: { form: editForm } }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { link, duplicates, categoryChanged } = await links.update({ id, input: linkInput(request.body) });
    // The capture popup edited a link already saved: it says so and closes, as after a save.
    if (isPopup(request)) return reply.render('admin/link-saved', { link: linkView(link), duplicates: [] });
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.flash.linkSaved).redirect('/admin/inbox', 303);
    changed(reply);
    // Filed into another category: the row leaves its group and joins the end of the new one.
    if (categoryChanged && !link.parentId && request.headers['hx-target'] === `link-${id}`)
      return reply.render('partials/link-moved', { ...(await linkRow(services, id)), duplicates });
    return renderRow(reply, id, { duplicates });
  });

  app.post('/links/:id/move', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const body = moveBody.parse(request.body ?? {});
    await links.move({ id, categoryId: body.categoryId === undefined ? undefined : body.categoryId || null, beforeId: body.beforeId, afterId: body.afterId });
    changed(reply);
    if (!wantsFragment(request)) return reply.redirect('/admin/inbox', 303);
    return reply.code(204).send();
  });

  app.post('/links/:id/delete', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    // Read first: the answer names what was deleted and offers to undo it.
    const link = await links.get({ id });
    await links.remove({ ids: [id] });
    changed(reply);
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.row.deleted(link.title ?? link.url)).redirect('/admin/inbox', 303);
    return reply.render('partials/link-deleted', { link: linkView(link) });
  });

  app.post('/links/:id/restore', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await links.restore({ id });
    changed(reply);
    if (!wantsFragment(request)) return reply.flash('success', adminWords(request).links.flash.restored).redirect('/admin/inbox', 303);
    return renderRow(reply, id);
  });

  app.post('/links/:id/refetch', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await links.refetch({ id });
    if (!wantsFragment(request)) return reply.redirect('/admin/inbox', 303);
    return renderRow(reply, id);
  });

  app.post('/links/bulk', { config: { form: bulkForm } }, async (request, reply) => {
    const body = bulkBody.parse(request.body ?? {});
    const notice = bulkNotice(
      adminWords(request),
      await links.bulk({ ...body, ids: body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids] }),
    );
    changed(reply);
    if (!wantsFragment(request)) return reply.flash('success', notice).redirect('/admin/inbox', 303);
    return reply.render('partials/inbox-list', { ...(await inboxPage(services, {})), notice });
  });

  // Live preview of Markdown commentary while typing.
  app.post('/links/preview', async (request, reply) => {
    const { commentary } = z.object({ commentary: z.string().max(20_000).default('') }).parse(request.body ?? {});
    return reply.render('partials/markdown-preview', { html: renderCommentary(commentary) });
  });

  // The bookmarklet opens PUBLIC_URL, never the Host the page was asked with (anyone can send
  // any Host). Written as a JS string literal inside a javascript: URL, which the browser
  // percent-decodes before running it: a "%" is escaped too.
  const bookmarkletBase = JSON.stringify(config.publicUrl).replace(/%/g, '%25');
  app.get('/capture', async (_request, reply) => reply.render('admin/capture', { publicUrl: config.publicUrl, bookmarkletBase }));
}
