// Everything an edition becomes outside the admin screens: the HTML body shared by the public
// page, the feeds and "copy for Substack", the Markdown export, the RSS/Atom/JSON feeds and the
// sitemap. Pure functions of the edition and the newsletter settings.
import type { EditionDocument, EditionLink, NewsletterInfo } from './edition-types.ts';
import { checkLinks, escapeHtml, isSafeUrl, safeHref } from '../platform/html.ts';
import { markdownToText, renderMarkdown } from '../platform/markdown.ts';
import { escapeMarkdownHeading, escapeMarkdownText, inertMarkdown } from '../platform/markdown-syntax.ts';

// XML 1.0 forbids these code points even as character references; a stray one in a title would
// make a feed reader reject the whole feed.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const SUMMARY_LENGTH = 300;

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
 * The body of an edition as semantic HTML (intro, sections, free sections, outro), shared by the
 * public page, the feeds and "copy for Substack"; the public page also anchors each link and points
 * dead links to an archived copy.
 */
export function editionBodyHtml(edition: EditionDocument, options: BodyOptions = {}): string {
  const base = options.absoluteBase;
  const parts: string[] = [];
  if (edition.intro.trim()) parts.push(`<div class="edition-intro">\n${checkLinks(renderMarkdown(edition.intro), base).trim()}\n</div>`);
  // Two categories may slug alike ("C++" and "C#" both give "c"): ids stay unique.
  const usedIds = new Map<string, number>();
  for (const section of edition.sections) {
    const slug = sectionSlug(section.name);
    const seen = usedIds.get(slug) ?? 0;
    usedIds.set(slug, seen + 1);
    const id = seen === 0 ? slug : `${slug}-${seen + 1}`;
    const heading = `<h2 id="${escapeHtml(id)}">${escapeHtml(section.name)}</h2>`;
    const list = section.links.length > 0 ? `\n${linkListHtml(section.links, options)}` : '';
    parts.push(`<section class="edition-section">\n${heading}${list}\n</section>`);
  }
  for (const free of edition.freeSections) {
    const body = free.body.trim() ? `\n${checkLinks(renderMarkdown(free.body), base).trim()}` : '';
    parts.push(`<section class="edition-free">\n<h2>${escapeHtml(free.heading)}</h2>${body}\n</section>`);
  }
  if (edition.outro.trim()) parts.push(`<div class="edition-outro">\n${checkLinks(renderMarkdown(edition.outro), base).trim()}\n</div>`);
  return parts.join('\n');
}

// --- Markdown export -------------------------------------------------------------------------

function tomlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\b':
        return '\\b';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      case '\f':
        return '\\f';
      case '\r':
        return '\\r';
      default:
        return `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  });
  return `"${escaped}"`;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day an edition is dated: its publication day (UTC), else the last day of its period ('YYYY-MM' or ISO week 'YYYY-Www'). */
export function editionDate(edition: Pick<EditionDocument, 'period' | 'publishedAt'>): string {
  if (edition.publishedAt) return isoDay(edition.publishedAt);
  const month = /^(\d{4})-(\d{2})$/.exec(edition.period);
  // Day 0 of the next month is the last day of this one.
  if (month) return isoDay(new Date(Date.UTC(Number(month[1]), Number(month[2]), 0)));
  const week = /^(\d{4})-W(\d{2})$/.exec(edition.period);
  if (week) {
    // ISO week 1 is the week holding 4 January; its Sunday ends it.
    const year = Number(week[1]);
    const jan4 = new Date(Date.UTC(year, 0, 4));
    const mondayOfWeek1 = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
    return isoDay(new Date(mondayOfWeek1 + ((Number(week[2]) - 1) * 7 + 6) * 86_400_000));
  }
  throw new Error(`unknown period format "${edition.period}"`);
}

function markdownDestination(url: string): string {
  const trimmed = url.trim();
  if (!/[\s()<>]/.test(trimmed)) return trimmed;
  // Inside <...> spaces and parentheses are fine; only the brackets themselves must not appear.
  return `<${trimmed
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E')
    .replace(/[\r\n]+/g, ' ')}>`;
}

function linkMarkdown(link: EditionLink, depth: number): string {
  const indent = '    '.repeat(depth);
  // A title is text, not Markdown: escaped, so a generator shows it as typed. A link to another
  // scheme than http, https or mailto is written as its title alone.
  const title = link.title.replace(/\s+/g, ' ').trim();
  const anchor = isSafeUrl(link.url) ? `[${escapeMarkdownText(title)}](${markdownDestination(link.url)})` : escapeMarkdownText(title, { lineStart: true });
  // Continuation lines are indented past the bullet so a multi-line commentary stays in its item.
  const continuation = `${indent}  `;
  const commentary = link.commentary.trim()
    ? ` : ${link.commentary
        .trim()
        .split(/\r?\n/)
        .map((line, index) => (index === 0 || line.trim() === '' ? line.trimEnd() : continuation + line))
        .join('\n')}`
    : '';
  const lines = [`${indent}* ${anchor}${commentary}`];
  for (const child of link.children) lines.push(linkMarkdown(child, depth + 1));
  return lines.join('\n');
}

// Leading blank lines and trailing whitespace go; leading spaces stay, they may open an indented code block.
function markdownBlock(source: string): string {
  return source.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}

/**
 * The edition as Zola/Hugo Markdown with TOML front matter, in the shape of the published archive.
 * Generators pass raw HTML through and follow any link: titles and headings are escaped as text,
 * and the Markdown the editors wrote is made inert (raw HTML escaped, links to other schemes
 * reduced to their text) while it keeps its meaning.
 */
export function editionToMarkdown(edition: EditionDocument): string {
  const date = editionDate(edition);
  // The period is written only when the date does not tell it: a weekly edition, or a monthly one
  // published after its month ended (June's edition sent on 1 July). Importers read it back.
  const period = /^\d{4}-\d{2}$/.test(edition.period) && date.startsWith(edition.period) ? [] : [`period = ${tomlString(edition.period)}`];
  const frontMatter = [
    '+++',
    `title = ${tomlString(edition.title)}`,
    `date = ${date}`,
    ...period,
    '[taxonomies]',
    `tags = [${edition.tags.map(tomlString).join(', ')}]`,
    '+++',
  ].join('\n');
  const blocks: string[] = [frontMatter];
  if (markdownBlock(edition.intro)) blocks.push(markdownBlock(edition.intro));
  for (const section of edition.sections) {
    const heading = `## ${escapeMarkdownHeading(section.name)}`;
    blocks.push(section.links.length > 0 ? `${heading}\n\n${section.links.map((link) => linkMarkdown(link, 0)).join('\n')}` : heading);
  }
  for (const free of edition.freeSections) {
    const heading = `## ${escapeMarkdownHeading(free.heading)}`;
    const body = markdownBlock(free.body);
    blocks.push(body ? `${heading}\n\n${body}` : heading);
  }
  if (markdownBlock(edition.outro)) blocks.push(markdownBlock(edition.outro));
  // The body is made inert as a whole: code blocks and paragraphs are then read in their context.
  const body = blocks.slice(1);
  return body.length > 0 ? `${frontMatter}\n\n${inertMarkdown(body.join('\n\n'))}\n` : `${frontMatter}\n`;
}

// --- Feeds -----------------------------------------------------------------------------------

type FeedOptions = { selfUrl: string };

function permalink(info: NewsletterInfo, edition: EditionDocument): string {
  return absoluteUrl(info, edition.path);
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
      `<guid isPermaLink="true">${url}</guid>`,
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
      `<id>${url}</id>`,
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
      id: permalink(info, edition),
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
