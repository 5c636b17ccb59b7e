// An edition as an email: a table layout with inlined styles that Gmail, Outlook and Apple Mail
// all display, and a plain-text part derived from the same HTML. One rendering per send; each
// recipient's copy only differs by the unsubscribe URL, spliced in by mime-template.ts.
import { convert, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import juice from 'juice';
import type { EditionDocument, EditionLink, Locale, NewsletterInfo } from './edition-types.ts';
import { checkLinks, escapeHtml, safeHref } from '../platform/html.ts';
import { markdownToText, renderMarkdown } from '../platform/markdown.ts';

/** Placeholder replaced per recipient by the sender (kept intact through HTML, text and encodings). */
export const UNSUBSCRIBE_PLACEHOLDER = 'https://unsubscribe.invalid/__VEILLE_UNSUBSCRIBE__';

export type EditionEmail = { subject: string; html: string; text: string; preheader: string };

type RenderOptions = { viewInBrowserUrl: string; footer?: string };

const LABELS: Record<Locale, { viewInBrowser: string; unsubscribe: string; archive: string }> = {
  fr: { viewInBrowser: 'Voir dans le navigateur', unsubscribe: 'Se désabonner', archive: 'Toutes les éditions' },
  en: { viewInBrowser: 'View in browser', unsubscribe: 'Unsubscribe', archive: 'All editions' },
};

const HTTP_URL = /^https?:\/\//i;

const PREHEADER_LENGTH = 140;
// Invisible characters after the preheader fill the inbox preview line, so clients do not pull
// the start of the body ("View in browser", the title...) in after the preheader text.
const PREHEADER_PADDING = '&#847;&zwnj;&nbsp;'.repeat(90);

const WIDTH = 600;
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace";

// Written once here, inlined by juice into style attributes (Gmail drops the <style> block in some
// views, Outlook ignores most class selectors). The media queries stay in <head> for the clients
// that honour them; their rules need !important to win over the inlined styles.
const STYLES = `
body { margin: 0; padding: 0; width: 100%; background-color: #f3f4f6; color: #1f2328; -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; }
table { border-collapse: collapse; mso-table-lspace: 0pt; mso-table-rspace: 0pt; }
.bg { background-color: #f3f4f6; }
.outer { padding: 24px 12px; }
.container { width: 100%; max-width: ${WIDTH}px; }
.header { padding: 0 8px 12px 8px; font-family: ${FONT}; font-size: 13px; line-height: 20px; color: #57606a; }
.brand { font-weight: bold; color: #1f2328; }
.browser { text-align: right; }
.browser a { color: #57606a; text-decoration: underline; }
.card { background-color: #ffffff; padding: 32px; border-radius: 6px; font-family: ${FONT}; font-size: 16px; line-height: 26px; color: #1f2328; }
.card a { color: #0b62c4; text-decoration: underline; }
h1 { margin: 0 0 8px 0; font-family: ${FONT}; font-size: 26px; line-height: 34px; font-weight: bold; color: #1f2328; }
h2 { margin: 32px 0 12px 0; padding-bottom: 6px; border-bottom: 1px solid #d8dee4; font-family: ${FONT}; font-size: 20px; line-height: 28px; font-weight: bold; color: #1f2328; }
h3, h4, h5, h6 { margin: 20px 0 8px 0; font-family: ${FONT}; font-size: 17px; line-height: 24px; font-weight: bold; color: #1f2328; }
p { margin: 0 0 16px 0; }
ul, ol { margin: 0 0 16px 0; padding: 0 0 0 24px; }
li { margin: 0 0 10px 0; }
li ul, li ol { margin: 10px 0 0 0; }
blockquote { margin: 0 0 16px 0; padding: 0 0 0 12px; border-left: 3px solid #d8dee4; color: #57606a; }
pre { margin: 0 0 16px 0; padding: 12px; background-color: #f6f8fa; border: 1px solid #e5e7eb; border-radius: 4px; font-family: ${MONO}; font-size: 13px; line-height: 19px; color: #1f2328; white-space: pre-wrap; word-wrap: break-word; overflow-wrap: anywhere; word-break: break-word; }
code { font-family: ${MONO}; font-size: 14px; }
pre code { font-size: 13px; }
img { max-width: 100%; height: auto; border: 0; }
hr { border: 0; border-top: 1px solid #d8dee4; margin: 24px 0; }
.md-table { margin: 0 0 16px 0; }
.md-table th, .md-table td { border: 1px solid #d8dee4; padding: 4px 8px; text-align: left; }
.tags { margin: 0 0 24px 0; font-size: 13px; line-height: 20px; color: #57606a; }
.footer { padding: 16px 8px 0 8px; font-family: ${FONT}; font-size: 12px; line-height: 18px; color: #57606a; text-align: center; }
.footer a { color: #57606a; text-decoration: underline; }
.footer p { margin: 0 0 8px 0; }
@media (prefers-color-scheme: dark) {
  body, .bg { background-color: #0d1117 !important; color: #e6edf3 !important; }
  .card { background-color: #161b22 !important; color: #e6edf3 !important; }
  h1, h2, h3, h4, h5, h6, .brand { color: #e6edf3 !important; }
  h2 { border-bottom-color: #30363d !important; }
  .card a { color: #58a6ff !important; }
  .header, .browser a, .footer, .footer a, .tags, blockquote { color: #8b949e !important; }
  pre { background-color: #0d1117 !important; border-color: #30363d !important; color: #e6edf3 !important; }
}
@media only screen and (max-width: ${WIDTH + 20}px) {
  .outer { padding: 12px 4px !important; }
  .card { padding: 20px 16px !important; }
}
`;

// Markdown tables are data tables, unlike the layout tables around them: the class lets the
// text part format them as tables and the stylesheet give them borders.
function markdownHtml(source: string, base: string): string {
  const html = checkLinks(renderMarkdown(source), base).trim();
  return html.replace(/<table>/g, '<table class="md-table">');
}

function linkItemHtml(link: EditionLink, base: string): string {
  const title = escapeHtml(link.title);
  const href = safeHref(link.url);
  const anchor = href ? `<a class="item-link" href="${escapeHtml(href)}">${title}</a>` : title;
  const commentary = link.commentaryHtml.trim() ? ` : ${checkLinks(link.commentaryHtml.trim(), base)}` : '';
  const children = link.children.length > 0 ? linkListHtml(link.children, base) : '';
  // The span delimits "title : commentary" so the text part can put the URL right after it.
  return `<li><span class="item">${anchor}${commentary}</span>${children}</li>`;
}

function linkListHtml(links: EditionLink[], base: string): string {
  return `<ul>\n${links.map((link) => linkItemHtml(link, base)).join('\n')}\n</ul>`;
}

// Markdown-escapes plain text so markdownToText returns it unchanged (only truncated).
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, '\\$&');
}

function preheaderText(edition: EditionDocument): string {
  const intro = markdownToText(edition.intro, PREHEADER_LENGTH);
  if (intro) return intro;
  // Without an intro, the section names tell the reader what the edition covers.
  const names = edition.sections.filter((section) => section.links.length > 0).map((section) => section.name.replace(/\s+/g, ' ').trim());
  const summary = names.length > 0 ? names.join(' · ') : edition.title;
  return markdownToText(escapeMarkdown(summary), PREHEADER_LENGTH);
}

function bodyHtml(edition: EditionDocument, base: string): string {
  const parts: string[] = [];
  if (edition.intro.trim()) parts.push(`<div class="intro">\n${markdownHtml(edition.intro, base)}\n</div>`);
  for (const section of edition.sections) {
    const heading = `<h2>${escapeHtml(section.name)}</h2>`;
    parts.push(section.links.length > 0 ? `${heading}\n${linkListHtml(section.links, base)}` : heading);
  }
  for (const free of edition.freeSections) {
    const body = free.body.trim() ? `\n${markdownHtml(free.body, base)}` : '';
    parts.push(`<h2>${escapeHtml(free.heading)}</h2>${body}`);
  }
  if (edition.outro.trim()) parts.push(`<div class="outro">\n${markdownHtml(edition.outro, base)}\n</div>`);
  return parts.join('\n');
}

function footerHtml(footer: string): string {
  const paragraphs = footer
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  return paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\r?\n/g, '<br>')}</p>`).join('\n');
}

// Layout tables: presentation role so screen readers skip them, no spacing attributes for
// Outlook to add its own. Outlook desktop ignores max-width, hence the fixed-width ghost table.
const LAYOUT = 'role="presentation" cellpadding="0" cellspacing="0" border="0"';

function documentHtml(edition: EditionDocument, info: NewsletterInfo, options: RenderOptions, preheader: string): string {
  const labels = LABELS[info.locale];
  const lang = info.locale === 'en' ? 'en' : 'fr';
  const permalink = `${info.publicUrl}${edition.path.startsWith('/') ? edition.path : `/${edition.path}`}`;
  const archiveUrl = `${info.publicUrl}/`;
  const footer = footerHtml(options.footer ?? info.footer);
  const tags = edition.tags.length > 0 ? `<p class="tags">${edition.tags.map((tag) => escapeHtml(tag)).join(' · ')}</p>\n` : '';
  return `<!doctype html>
<html lang="${lang}" xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="x-apple-disable-message-reformatting">
<meta name="format-detection" content="telephone=no, date=no, address=no, email=no, url=no">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(edition.title)}</title>
<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->
<style>${STYLES}</style>
</head>
<body class="bg">
<div class="preheader" style="display: none; max-height: 0; max-width: 0; overflow: hidden; opacity: 0; font-size: 1px; line-height: 1px; color: transparent; mso-hide: all;">${escapeHtml(preheader)}${PREHEADER_PADDING}</div>
<table ${LAYOUT} width="100%" class="bg">
<tr>
<td align="center" class="outer">
<!--[if mso]><table ${LAYOUT} width="${WIDTH}" align="center"><tr><td><![endif]-->
<table ${LAYOUT} width="${WIDTH}" align="center" class="container">
<tr>
<td class="header">
<table ${LAYOUT} width="100%">
<tr>
<td class="brand">${escapeHtml(info.name)}</td>
<td class="browser"><a href="${escapeHtml(options.viewInBrowserUrl)}">${labels.viewInBrowser}</a></td>
</tr>
</table>
</td>
</tr>
<tr>
<td class="card">
<h1>${escapeHtml(edition.title)}</h1>
${tags}${bodyHtml(edition, permalink)}
</td>
</tr>
<tr>
<td class="footer">
${footer}
<p><a href="${escapeHtml(archiveUrl)}">${labels.archive}</a></p>
<p><a class="unsubscribe" href="${escapeHtml(UNSUBSCRIBE_PLACEHOLDER)}">${labels.unsubscribe}</a></p>
</td>
</tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td>
</tr>
</table>
</body>
</html>
`;
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

/** Renders an edition as an email that survives Gmail, Outlook and Apple Mail. */
export function renderEditionEmail(edition: EditionDocument, info: NewsletterInfo, options: { viewInBrowserUrl: string; footer?: string }): EditionEmail {
  if (!HTTP_URL.test(options.viewInBrowserUrl.trim())) throw new Error(`viewInBrowserUrl must be an absolute http(s) URL, got "${options.viewInBrowserUrl}"`);
  const preheader = preheaderText(edition);
  const source = documentHtml(edition, info, { ...options, viewInBrowserUrl: options.viewInBrowserUrl.trim() }, preheader);
  const html = juice(source, { removeStyleTags: false, preserveMediaQueries: true });
  return { subject: edition.title, html, text: textPart(html), preheader };
}
