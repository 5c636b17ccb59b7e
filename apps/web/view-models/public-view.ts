// What the public site's pages show, assembled from the editions service: the home page, an
// edition's permalink, the archive (by year, by tag) and the search results. Every page gets the
// newsletter's context (its words, its dates) besides its own data.
import type { Services } from '../../bootstrap/services.ts';
import type { EditionDocument, EditionRow } from '../../domain/editions/editions-service.ts';
import { editionBodyHtml, linkAnchor } from '../../domain/editions/edition-render.ts';
import { editionDate } from '../../domain/editions/edition-markdown.ts';
import { editionPath } from '../../domain/editions/periods.ts';
import { NotFoundError } from '../../domain/platform/errors.ts';
import { markdownToText } from '../../domain/platform/markdown.ts';
import { wordsFor } from '../../domain/platform/locales/index.ts';
import { publicContext, type PublicContext } from '../public-context.ts';

type PublicServices = Pick<Services, 'settings' | 'editions' | 'linkHealth'>;

/** How many editions a page of the archive lists. */
export const ARCHIVE_PAGE_SIZE = 20;

/** An edition as its page and the home page show it: its dead links point to an archived copy, in the readers' language. */
async function editionView(services: PublicServices, doc: EditionDocument, base: PublicContext) {
  const words = wordsFor(base.lang).edition;
  const day = doc.publishedAt ?? new Date(`${editionDate(doc)}T12:00:00Z`);
  const archivedCopies = {
    hrefs: await services.linkHealth.archivedCopies({ edition: doc }),
    label: words.archivedCopy,
    title: words.archivedCopyTitle(base.date(day)),
  };
  return { doc, bodyHtml: editionBodyHtml(doc, { archivedCopies, linkAnchors: true }), summary: markdownToText(doc.intro, 200) };
}

/** The home page: the latest edition in full, the few before it as links. */
export async function homeView(services: PublicServices) {
  const { editions } = services;
  const [base, latest, recent] = await Promise.all([publicContext(services), editions.latestPublished(), editions.archive({ limit: 6, offset: 1 })]);
  const edition = latest ? await editionView(services, await editions.document({ edition: latest }), base) : undefined;
  return { ...base, edition, recent: recent.rows.map((row) => ({ title: row.title, path: editionPath(row) })), canonical: base.info.publicUrl + '/' };
}

/** A published edition's permalink page. */
export async function editionPageView(services: PublicServices, row: EditionRow) {
  const [base, doc] = await Promise.all([publicContext(services), services.editions.document({ edition: row })]);
  const view = await editionView(services, doc, base);
  return { ...base, ...view, canonical: base.info.publicUrl + view.doc.path };
}

/** A page of the archive, of a year or a tag; a NotFoundError past the last page or for a year or tag with nothing. */
export async function archiveView(services: PublicServices, filter: { year?: number; tag?: string }, page: number) {
  const { editions } = services;
  const [base, { rows, total }, years, tags] = await Promise.all([
    publicContext(services),
    editions.archive({ ...filter, limit: ARCHIVE_PAGE_SIZE, offset: (page - 1) * ARCHIVE_PAGE_SIZE }),
    editions.publishedYears(),
    editions.publishedTags(),
  ]);
  if ((filter.year || filter.tag) && total === 0) throw new NotFoundError('Nothing was published there.');
  const pages = Math.max(1, Math.ceil(total / ARCHIVE_PAGE_SIZE));
  if (page > pages) throw new NotFoundError('This page of the archive does not exist.');
  const items = rows.map((row) => ({ ...row, path: editionPath(row), summary: markdownToText(row.intro, 240) }));
  // The page is kept and served to every visitor: its addresses come from what was parsed,
  // never from the request's own URL (an extra parameter or another spelling would stick).
  const basePath = filter.tag ? `/tags/${encodeURIComponent(filter.tag)}` : filter.year ? `/archive/${filter.year}` : '/archive';
  const canonical = `${base.info.publicUrl}${basePath}${page > 1 ? `?page=${page}` : ''}`;
  return { ...base, items, total, page, pages, years, tags: tags.slice(0, 40), filter, basePath, canonical };
}

/** The search page, with the editions matching `q` when there is one. */
export async function searchView(services: PublicServices, q: string) {
  const base = await publicContext(services);
  const found = q.trim() ? await services.editions.search({ q: q.trim() }) : [];
  // Each matching link points at its own item on the edition's page.
  const results = found.map((row) => {
    const path = editionPath(row);
    return { ...row, path, matches: row.matches.map((match) => ({ ...match, href: `${path}#${linkAnchor(match.id)}` })) };
  });
  return { ...base, q, results, searched: Boolean(q.trim()), canonical: base.info.publicUrl + '/search' };
}
