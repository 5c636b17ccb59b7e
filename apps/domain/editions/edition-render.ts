// Everything an edition becomes outside the admin screens but its email and its Markdown: the HTML
// body shared by the public page, the feeds and "copy for Substack", the RSS/Atom/JSON feeds and
// the sitemap. Pure functions of the edition and the newsletter settings.
import { shownBlocks } from './edition-blocks.ts';
import type { EditionDocument, EditionLink, NewsletterInfo } from './edition-types.ts';
import { checkLinks, escapeHtml, safeHref } from '../platform/html.ts';
import { markdownToText, renderMarkdown } from '../platform/markdown.ts';

// XML 1.0 forbids these code points even as character references; a stray one in a title would
// make a feed reader reject the whole feed.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const SUMMARY_LENGTH = 300;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function xmlText(text: string): string {
  return escapeHtml(text.replace(XML_INVALID, ''));
}

/** Turns a section name into an anchor id: "(No)SQL" -> "no-sql", "Astuce du mois" -> "astuce-du-mois". */
export function sectionSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'section';
}

// --- HTML body -------------------------------------------------------------------------------

/** Links whose page is gone, by link id, with the address of an archived copy and what to call it. */
export type ArchivedCopies = { hrefs: Map<string, string>; label: string; title: string };

type BodyOptions = {
  absoluteBase?: string;
  /** Give each link's item an id (`link-<id>`), stable across corrections: the public page, which search results point into. */
  linkAnchors?: boolean;
  /** Dead links point to an archived copy (the public page). */
  archivedCopies?: ArchivedCopies;
};

/** The id of a link's item on the edition's public page, for addresses that point at it (`#link-…`). */
export function linkAnchor(id: string): string {
  return `link-${id}`;
}

/** " (archived copy)" after the link, when its page is gone and a copy is known. */
function archivedCopyHtml(link: EditionLink, archived: ArchivedCopies | undefined): string {
  const href = archived && safeHref(archived.hrefs.get(link.id) ?? '');
  if (!archived || !href) return '';
  return ` <span class="archived-copy">(<a href="${escapeHtml(href)}" title="${escapeHtml(archived.title)}">${escapeHtml(archived.label)}</a>)</span>`;
}

function linkItemHtml(link: EditionLink, options: BodyOptions): string {
  const title = escapeHtml(link.title);
  const href = safeHref(link.url);
  const anchor = href ? `<a href="${escapeHtml(href)}">${title}</a>` : title;
  const commentary = link.commentaryHtml.trim() ? ` : ${checkLinks(link.commentaryHtml.trim(), options.absoluteBase)}` : '';
  const children = link.children.length > 0 ? linkListHtml(link.children, options) : '';
  const id = options.linkAnchors ? ` id="${escapeHtml(linkAnchor(link.id))}"` : '';
  return `<li${id}>${anchor}${archivedCopyHtml(link, options.archivedCopies)}${commentary}${children}</li>`;
}

function linkListHtml(links: EditionLink[], options: BodyOptions): string {
  return `<ul>\n${links.map((link) => linkItemHtml(link, options)).join('\n')}\n</ul>`;
}

/**
 * The body of an edition as semantic HTML (intro, the blocks readers see, closing words), shared by
 * the public page, the feeds and "copy for Substack"; the public page also anchors each link and
 * points dead links to an archived copy.
 */
export function editionBodyHtml(edition: EditionDocument, options: BodyOptions = {}): string {
  const base = options.absoluteBase;
  const markdown = (source: string, className: string) =>
    source.trim() ? `<div class="${className}">\n${checkLinks(renderMarkdown(source), base).trim()}\n</div>` : '';
  const parts: string[] = [];
  const intro = markdown(edition.intro, 'edition-intro');
  if (intro) parts.push(intro);
  // Two headings may slug alike ("C++" and "C#" both give "c"): ids stay unique.
  const usedIds = new Map<string, number>();
  const anchor = (name: string) => {
    const slug = sectionSlug(name);
    const seen = usedIds.get(slug) ?? 0;
    usedIds.set(slug, seen + 1);
    return seen === 0 ? slug : `${slug}-${seen + 1}`;
  };
  for (const block of shownBlocks(edition)) {
    if (block.kind === 'text') {
      const body = block.body.trim() ? `\n${checkLinks(renderMarkdown(block.body), base).trim()}` : '';
      parts.push(`<section class="edition-free">\n<h2 id="${escapeHtml(anchor(block.heading))}">${escapeHtml(block.heading)}</h2>${body}\n</section>`);
      continue;
    }
    const inner = [
      `<h2 id="${escapeHtml(anchor(block.name))}">${escapeHtml(block.name)}</h2>`,
      markdown(block.intro, 'section-intro'),
      block.links.length > 0 ? linkListHtml(block.links, options) : '',
      markdown(block.outro, 'section-outro'),
    ].filter(Boolean);
    // A heading kept alone is marked, so that the feed importer keeps it too.
    const kept = block.links.length === 0 ? ' edition-kept-empty' : '';
    parts.push(`<section class="edition-section${kept}">\n${inner.join('\n')}\n</section>`);
  }
  const outro = markdown(edition.outro, 'edition-outro');
  if (outro) parts.push(outro);
  return parts.join('\n');
}

// --- Feeds -----------------------------------------------------------------------------------

type FeedOptions = { selfUrl: string };

function permalink(info: NewsletterInfo, edition: EditionDocument): string {
  return absoluteUrl(info, edition.path);
}

/** An edition's id in the feeds: its own id, so that a changed slug does not make it a new item for feed readers. */
function feedId(edition: EditionDocument): string {
  return /^[0-9a-f-]{36}$/i.test(edition.id) ? `urn:uuid:${edition.id}` : `urn:veille:edition:${encodeURIComponent(edition.id)}`;
}

function absoluteUrl(info: NewsletterInfo, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${info.publicUrl}${path.startsWith('/') ? path : `/${path}`}`;
}

function homeUrl(info: NewsletterInfo): string {
  return `${info.publicUrl}/`;
}

// Callers pass published editions; a draft previewed through a feed still gets a date.
function publishedDate(edition: EditionDocument): Date {
  return edition.publishedAt ?? edition.updatedAt;
}

function modifiedDate(edition: EditionDocument): Date {
  return edition.correctedAt ?? publishedDate(edition);
}

// With no edition there is no meaningful date; the epoch keeps the feed valid and stable.
function latestDate(editions: EditionDocument[]): Date {
  return editions.reduce((latest, edition) => (modifiedDate(edition) > latest ? modifiedDate(edition) : latest), new Date(0));
}

function feedBody(info: NewsletterInfo, edition: EditionDocument): string {
  return editionBodyHtml(edition, { absoluteBase: permalink(info, edition) }).replace(XML_INVALID, '');
}

function summary(edition: EditionDocument): string {
  return markdownToText(edition.intro, SUMMARY_LENGTH);
}

// "]]>" would end the section early: it is split across two CDATA sections.
function cdata(text: string): string {
  return `<![CDATA[${text.replace(XML_INVALID, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** RSS 2.0 feed of the given editions (the caller passes published ones, newest first). */
export function rssFeed(info: NewsletterInfo, editions: EditionDocument[], options: FeedOptions): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '<channel>',
    `<title>${xmlText(info.name)}</title>`,
    `<link>${xmlText(homeUrl(info))}</link>`,
    `<description>${xmlText(info.description)}</description>`,
    `<language>${info.locale === 'en' ? 'en' : 'fr'}</language>`,
    `<lastBuildDate>${latestDate(editions).toUTCString()}</lastBuildDate>`,
    `<atom:link href="${xmlText(options.selfUrl)}" rel="self" type="application/rss+xml"/>`,
  ];
  for (const edition of editions) {
    const url = xmlText(permalink(info, edition));
    lines.push(
      '<item>',
      `<title>${xmlText(edition.title)}</title>`,
      `<link>${url}</link>`,
      `<guid isPermaLink="false">${feedId(edition)}</guid>`,
      `<pubDate>${publishedDate(edition).toUTCString()}</pubDate>`,
      ...edition.tags.map((tag) => `<category>${xmlText(tag)}</category>`),
      `<description>${xmlText(summary(edition))}</description>`,
      `<content:encoded>${cdata(feedBody(info, edition))}</content:encoded>`,
      '</item>',
    );
  }
  lines.push('</channel>', '</rss>');
  return `${lines.join('\n')}\n`;
}

/** Atom 1.0 feed of the given editions (the caller passes published ones, newest first). */
export function atomFeed(info: NewsletterInfo, editions: EditionDocument[], options: FeedOptions): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${info.locale === 'en' ? 'en' : 'fr'}">`,
    `<id>${xmlText(homeUrl(info))}</id>`,
    `<title>${xmlText(info.name)}</title>`,
    `<subtitle>${xmlText(info.description)}</subtitle>`,
    `<updated>${latestDate(editions).toISOString()}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${xmlText(options.selfUrl)}"/>`,
    `<link rel="alternate" type="text/html" href="${xmlText(homeUrl(info))}"/>`,
    `<author><name>${xmlText(info.name)}</name></author>`,
  ];
  for (const edition of editions) {
    const url = xmlText(permalink(info, edition));
    lines.push(
      '<entry>',
      `<id>${feedId(edition)}</id>`,
      `<title>${xmlText(edition.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${url}"/>`,
      `<published>${publishedDate(edition).toISOString()}</published>`,
      `<updated>${modifiedDate(edition).toISOString()}</updated>`,
      ...edition.tags.map((tag) => `<category term="${xmlText(tag)}"/>`),
      `<summary type="text">${xmlText(summary(edition))}</summary>`,
      `<content type="html">${xmlText(feedBody(info, edition))}</content>`,
      '</entry>',
    );
  }
  lines.push('</feed>');
  return `${lines.join('\n')}\n`;
}

/** JSON Feed 1.1 of the given editions, serialised (the caller passes published ones, newest first). */
export function jsonFeed(info: NewsletterInfo, editions: EditionDocument[], options: FeedOptions): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: info.name,
    home_page_url: homeUrl(info),
    feed_url: options.selfUrl,
    description: info.description,
    language: info.locale === 'en' ? 'en' : 'fr',
    authors: [{ name: info.name }],
    items: editions.map((edition) => ({
      id: feedId(edition),
      url: permalink(info, edition),
      title: edition.title,
      content_html: editionBodyHtml(edition, { absoluteBase: permalink(info, edition) }),
      summary: summary(edition),
      date_published: publishedDate(edition).toISOString(),
      date_modified: modifiedDate(edition).toISOString(),
      tags: edition.tags,
    })),
  };
  return JSON.stringify(feed);
}

/** sitemap.xml for the given public paths, with absolute locations and day-precision lastmod. */
export function sitemapXml(info: NewsletterInfo, entries: Array<{ path: string; lastModified: Date }>): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const entry of entries) {
    lines.push(`<url><loc>${xmlText(absoluteUrl(info, entry.path))}</loc><lastmod>${isoDay(entry.lastModified)}</lastmod></url>`);
  }
  lines.push('</urlset>');
  return `${lines.join('\n')}\n`;
}
