import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import { renderCommentary, type Duplicate, type Link } from '../../../domain/links/links-service.ts';
import type { Config } from '../../../bootstrap/config.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import { wantsFragment } from '../../plugins/render.ts';
import { linkView } from '../../view-models/link-view.ts';

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
const filterQuery = z.object({
  q: z.string().optional(),
  category: z.string().optional(),
  tag: z.string().optional(),
  status: z.string().optional(),
});

/** Only the fields a link form may set; anything else in the body is ignored. */
function linkInput(body: Record<string, unknown>): Record<string, unknown> {
  const fields = ['url', 'title', 'commentary', 'via', 'tags', 'categoryId', 'category', 'parentId', 'description', 'siteName'];
  return Object.fromEntries(fields.filter((field) => body[field] !== undefined).map((field) => [field, body[field]]));
}

/** The inbox: quick-add, inline editing, ordering, bulk actions, search; and the capture popup. */
export async function linksRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Pick<Config, 'publicUrl'> }) {
  const { links, categories } = services;
  app.addHook('onRequest', requireUser);

  /** The data the inbox list needs, grouped by category, or ranked search results when filtering. */
  async function inboxData(query: Record<string, unknown>) {
    const filters = filterQuery.parse(query);
    const [allCategories, tags] = await Promise.all([categories.list(), links.inboxTags()]);
    const filtering = Boolean(filters.q?.trim() || filters.category || filters.tag || (filters.status && filters.status !== 'inbox'));
    const base = { filters, categories: allCategories, tags, filtering };
    if (!filtering) {
      const inbox = await links.inbox();
      return { ...base, inbox: { ...inbox, groups: inbox.groups.map((group) => ({ ...group, links: group.links.map(linkView) })) }, results: undefined };
    }
    const result = await links.list({ ...filters, limit: 200 });
    return { ...base, inbox: undefined, results: result.links.map(linkView), counts: undefined };
  }

  async function renderRow(reply: FastifyReply, link: Link, extra: Record<string, unknown> = {}) {
    const [allCategories, full] = await Promise.all([categories.list(), links.getWithChildren(link.id)]);
    return reply.render('partials/link-row', { link: linkView(full), categories: allCategories, ...extra });
  }

  function changed(reply: FastifyReply) {
    // The counts above the list listen for this event and refresh themselves.
    reply.header('HX-Trigger', 'links-changed');
  }

  app.get('/inbox', async (request, reply) => {
    try {
      const data = await inboxData(request.query as Record<string, unknown>);
      return reply.render('admin/inbox', data, { fragment: request.headers['hx-target'] === 'inbox-list' ? 'partials/inbox-list' : undefined });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const data = await inboxData({});
      return reply.code(422).render('admin/inbox', { ...data, filterError: error.message, filters: filterQuery.parse(request.query) }, { fragment: request.headers['hx-target'] === 'inbox-list' ? 'partials/inbox-list' : undefined });
    }
  });

  app.get('/inbox/counts', async (_request, reply) => {
    const inbox = await links.inbox({ limitPerPage: 0 });
    // The per-category counts in the group headings are refreshed along with it (out of band).
    return reply.render('partials/inbox-counts-content', { inbox, oob: true });
  });

  // Quick-add and the capture popup post here.
  app.post('/links', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const popup = body.popup === '1';
    try {
      const { link, duplicates } = await links.add(linkInput(body), request.user!);
      if (popup) return reply.render('admin/link-saved', { link: linkView(link), duplicates });
      if (!wantsFragment(request)) {
        reply.flash(duplicates.length ? 'info' : 'success', duplicates.length ? `Saved. ${duplicateSentence(duplicates)}` : 'Saved. Its title and description are being fetched.');
        return reply.redirect('/admin/inbox', 303);
      }
      changed(reply);
      return reply.render('partials/link-added', { link: linkView({ ...link, children: [] }), duplicates, categories: await categories.list() });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (popup || !wantsFragment(request)) {
        return reply.renderForm('admin/link-new', { values: body, errors: error.fields, error: error.message, categories: await categories.list(), popup, duplicates: [] });
      }
      return reply.code(422).render('partials/quick-add-error', { message: error.fields.url ?? error.message });
    }
  });

  // The capture popup opened by the bookmarklet, pre-filled with the page's URL, title and selection.
  app.get('/links/new', async (request, reply) => {
    const query = z.object({ url: z.string().max(4000).optional(), title: z.string().max(2000).optional(), text: z.string().max(20_000).optional(), popup: z.string().optional() }).parse(request.query);
    const duplicates = query.url ? await links.duplicatesOf(query.url) : [];
    const values = { url: query.url ?? '', title: (query.title ?? '').slice(0, 500), commentary: query.text ? `${query.text.trim()}` : '' };
    return reply.render('admin/link-new', { values, errors: {}, categories: await categories.list(), popup: query.popup === '1', duplicates });
  });

  app.get('/links/check', async (request, reply) => {
    const { url } = z.object({ url: z.string().max(4000).default('') }).parse(request.query);
    return reply.render('partials/duplicate-warning', { duplicates: url ? await links.duplicatesOf(url) : [] });
  });

  app.get('/links/:id/row', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    return renderRow(reply, await links.get(id));
  });

  app.get('/links/:id/edit', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const { field } = z.object({ field: z.string().max(20).optional() }).parse(request.query);
    const link = await links.get(id);
    const [allCategories, parents] = await Promise.all([categories.list(), possibleParents(link)]);
    return reply.render(
      'admin/link-edit',
      { link: linkView(link), values: editValues(link), errors: {}, categories: allCategories, parents, focus: field ?? 'title' },
      { fragment: 'partials/link-edit' },
    );
  });

  async function possibleParents(link: Link) {
    const { links: candidates } = await links.list({ status: 'inbox', limit: 200, category: link.categoryId ?? 'none' });
    return candidates.filter((candidate) => candidate.id !== link.id && !candidate.parentId).map((candidate) => ({ id: candidate.id, title: candidate.title ?? candidate.url }));
  }

  app.post('/links/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      const before = await links.get(id);
      const { link, duplicates } = await links.update(id, linkInput(body));
      if (!wantsFragment(request)) return reply.flash('success', 'Link saved.').redirect('/admin/inbox', 303);
      changed(reply);
      if (link.categoryId !== before.categoryId && !link.parentId && request.headers['hx-target'] === `link-${id}`) {
        // Filed into another category: the row leaves its group and joins the end of the new one.
        const [allCategories, full] = await Promise.all([categories.list(), links.getWithChildren(id)]);
        return reply.render('partials/link-moved', { link: linkView(full), categories: allCategories, duplicates });
      }
      return renderRow(reply, link, { duplicates });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const link = await links.get(id);
      const [allCategories, parents] = await Promise.all([categories.list(), possibleParents(link)]);
      return reply.renderForm(
        'admin/link-edit',
        { link: linkView(link), values: { ...editValues(link), ...body }, errors: error.fields, error: error.message, categories: allCategories, parents, focus: Object.keys(error.fields)[0] ?? 'title' },
        { fragment: 'partials/link-edit' },
      );
    }
  });

  app.post('/links/:id/move', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const body = moveBody.parse(request.body ?? {});
    await links.move(id, { categoryId: body.categoryId === undefined ? undefined : body.categoryId || null, beforeId: body.beforeId, afterId: body.afterId });
    changed(reply);
    if (!wantsFragment(request)) return reply.redirect('/admin/inbox', 303);
    return reply.code(204).send();
  });

  app.post('/links/:id/delete', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const link = await links.get(id);
    await links.remove([id]);
    changed(reply);
    if (!wantsFragment(request)) return reply.flash('success', `Deleted “${link.title ?? link.url}”.`).redirect('/admin/inbox', 303);
    return reply.render('partials/link-deleted', { link: linkView(link) });
  });

  app.post('/links/:id/restore', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const link = await links.restore(id);
    changed(reply);
    if (!wantsFragment(request)) return reply.flash('success', 'Link restored.').redirect('/admin/inbox', 303);
    return renderRow(reply, link);
  });

  app.post('/links/:id/refetch', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const link = await links.refetch(id);
    if (!wantsFragment(request)) return reply.redirect('/admin/inbox', 303);
    return renderRow(reply, link);
  });

  app.post('/links/bulk', async (request, reply) => {
    const body = bulkBody.parse(request.body ?? {});
    const ids = body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids];
    try {
      if (ids.length === 0) throw new ValidationError('Select at least one link first.');
      let message: string;
      if (body.action === 'move') {
        const count = await links.bulkMove(ids, { categoryId: body.categoryId ?? '' });
        message = `${count} link${count === 1 ? '' : 's'} moved.`;
      } else if (body.action === 'tag') {
        const count = await links.bulkTag(ids, body.tags ?? '');
        message = `${count} link${count === 1 ? '' : 's'} tagged.`;
      } else if (body.action === 'delete') {
        const count = await links.remove(ids);
        message = `${count} link${count === 1 ? '' : 's'} deleted.`;
      } else {
        throw new ValidationError('Choose what to do with the selected links.');
      }
      changed(reply);
      if (!wantsFragment(request)) return reply.flash('success', message).redirect('/admin/inbox', 303);
      return reply.render('partials/inbox-list', { ...(await inboxData({})), notice: message });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const message = Object.values(error.fields)[0] ?? error.message;
      if (!wantsFragment(request)) return reply.code(422).render('admin/inbox', { ...(await inboxData({})), filterError: message });
      return reply.code(422).render('partials/inbox-list', { ...(await inboxData({})), filterError: message });
    }
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

/** What the edit form starts from. */
function editValues(link: Link): Record<string, unknown> {
  return {
    url: link.url,
    title: link.title ?? '',
    commentary: link.commentary,
    via: link.via ?? '',
    tags: link.tags.join(', '),
    categoryId: link.categoryId ?? '',
    parentId: link.parentId ?? '',
  };
}

/** One sentence saying where a URL was shared before. */
export function duplicateSentence(duplicates: Duplicate[]): string {
  const first = duplicates[0]!;
  if (first.edition) return `This link was already in “${first.edition.title}”${first.edition.status === 'published' ? ' (published)' : ''}.`;
  return 'This link is already in the inbox.';
}
