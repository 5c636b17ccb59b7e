// An edition as an email: a table layout (views/email/edition.eta) with inlined styles that Gmail,
// Outlook and Apple Mail all display, and a plain-text part derived from the same HTML. One
// rendering per send; each recipient's copy only differs by the unsubscribe URL, spliced in by
// mime-template.ts.
import { convert, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import juice from 'juice';
import { categoryBlocks, shownBlocks } from './edition-blocks.ts';
import type { EditionDocument, EditionLink, NewsletterInfo } from './edition-types.ts';
import { renderEmailTemplate } from '../mail/email-templates.ts';
import { checkLinks, safeHref } from '../platform/html.ts';
import { wordsFor } from '../platform/locales/index.ts';
import { markdownToText, renderMarkdown } from '../platform/markdown.ts';

/** Placeholder replaced per recipient by the sender (kept intact through HTML, text and encodings). */
export const UNSUBSCRIBE_PLACEHOLDER = 'https://unsubscribe.invalid/__VEILLE_UNSUBSCRIBE__';

export type EditionEmail = { subject: string; html: string; text: string; preheader: string };

const HTTP_URL = /^https?:\/\//i;

const PREHEADER_LENGTH = 140;
// Invisible characters after the preheader fill the inbox preview line, so clients do not pull
// the start of the body ("View in browser", the title...) in after the preheader text.
const PREHEADER_PADDING = '&#847;&zwnj;&nbsp;'.repeat(90);

/** A link as the template writes it: its href only when the URL is safe to link to. */
type EmailLink = { title: string; href: string | undefined; commentaryHtml: string; children: EmailLink[] };

// Markdown tables are data tables, unlike the layout tables around them: the class lets the
// text part format them as tables and the stylesheet give them borders.
function markdownHtml(source: string, base: string): string {
  const html = checkLinks(renderMarkdown(source), base).trim();
  return html.replace(/<table>/g, '<table class="md-table">');
}

/** How the email links an edition's link: through its counted address when clicks are counted. */
export type LinkHref = (link: EditionLink) => string;

function emailLink(link: EditionLink, base: string, linkHref: LinkHref | undefined): EmailLink {
  const href = safeHref(link.url);
  return {
    title: link.title,
    href: href && linkHref ? linkHref(link) : href,
    commentaryHtml: link.commentaryHtml.trim() ? checkLinks(link.commentaryHtml.trim(), base) : '',
    children: link.children.map((child) => emailLink(child, base, linkHref)),
  };
}

// Markdown-escapes plain text so markdownToText returns it unchanged (only truncated).
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, '\\$&');
}

function preheaderText(edition: EditionDocument): string {
  const intro = markdownToText(edition.intro, PREHEADER_LENGTH);
  if (intro) return intro;
  // Without an intro, the section names tell the reader what the edition covers.
  const names = categoryBlocks(edition)
    .filter((block) => block.links.length > 0)
    .map((block) => block.name.replace(/\s+/g, ' ').trim());
  const summary = names.length > 0 ? names.join(' · ') : edition.title;
  return markdownToText(escapeMarkdown(summary), PREHEADER_LENGTH);
}

/** What views/email/edition.eta shows: the text is escaped by the template, the HTML is sanitised Markdown. */
function templateData(edition: EditionDocument, info: NewsletterInfo, options: EmailOptions, preheader: string) {
  const permalink = `${info.publicUrl}${edition.path.startsWith('/') ? edition.path : `/${edition.path}`}`;
  const markdown = (source: string) => (source.trim() ? markdownHtml(source, permalink) : '');
  const footer = (options.footer ?? info.footer)
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => paragraph.split(/\r?\n/));
  return {
    lang: info.locale,
    words: wordsFor(info.locale).editionEmail,
    title: edition.title,
    name: info.name,
    preheader,
    preheaderPadding: PREHEADER_PADDING,
    viewInBrowserUrl: options.viewInBrowserUrl,
    tags: edition.tags,
    introHtml: markdown(edition.intro),
    blocks: shownBlocks(edition).map((block) =>
      block.kind === 'category'
        ? {
            kind: block.kind,
            heading: block.name,
            introHtml: markdown(block.intro),
            links: block.links.map((link) => emailLink(link, permalink, options.linkHref)),
            outroHtml: markdown(block.outro),
          }
        : { kind: block.kind, heading: block.heading, html: markdown(block.body) },
    ),
    outroHtml: markdown(edition.outro),
    footer,
    archiveUrl: `${info.publicUrl}/`,
    unsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER,
  };
}

// "Title : commentary" first, then the link's URL on its own line: the item reads as a sentence
// and the URL stays whole (never wrapped) for plain-text clients to make it clickable.
const linkItemFormatter: FormatCallback = (elem, walk, builder) => {
  walk(elem.children, builder);
  const anchor = (elem.children as Array<{ name?: string; attribs?: Record<string, string> }>).find((child) => child.name === 'a');
  const href = anchor?.attribs?.href;
  if (href) {
    builder.addLineBreak();
    builder.addInline(href, { noWordTransform: true });
  }
};

const TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: 78,
  formatters: { linkItem: linkItemFormatter },
  selectors: [
    { selector: 'head', format: 'skip' },
    { selector: 'div.preheader', format: 'skip' },
    // The header's two cells (newsletter name, "view in browser") each get their own line.
    { selector: 'td.brand', format: 'block' },
    { selector: 'td.browser', format: 'block' },
    { selector: 'a', options: { linkBrackets: ['[', ']'], hideLinkHrefIfSameAsText: true } },
    { selector: 'a.item-link', format: 'anchor', options: { ignoreHref: true } },
    { selector: 'span.item', format: 'linkItem' },
    { selector: 'table.md-table', format: 'dataTable' },
    { selector: 'h1', options: { uppercase: true, leadingLineBreaks: 2, trailingLineBreaks: 1 } },
    { selector: 'h2', options: { uppercase: true, leadingLineBreaks: 3, trailingLineBreaks: 2 } },
    { selector: 'ul', options: { itemPrefix: ' * ' } },
    { selector: 'pre', format: 'pre', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
};

function textPart(html: string): string {
  // Whitespace-only lines left by the layout tables collapse into at most one blank line.
  return `${convert(html, TEXT_OPTIONS)
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/** What the email adds to the edition: the page to read it in a browser, the footer, and how links are linked (their own URL by default). */
export type EmailOptions = { viewInBrowserUrl: string; footer?: string; linkHref?: LinkHref };

/** Renders an edition as an email that survives Gmail, Outlook and Apple Mail. */
export function renderEditionEmail(edition: EditionDocument, info: NewsletterInfo, options: EmailOptions): EditionEmail {
  if (!HTTP_URL.test(options.viewInBrowserUrl.trim())) throw new Error(`viewInBrowserUrl must be an absolute http(s) URL, got "${options.viewInBrowserUrl}"`);
  const preheader = preheaderText(edition);
  const source = renderEmailTemplate('edition', templateData(edition, info, { ...options, viewInBrowserUrl: options.viewInBrowserUrl.trim() }, preheader));
  const html = juice(source, { removeStyleTags: false, preserveMediaQueries: true });
  return { subject: edition.title, html, text: textPart(html), preheader };
}
