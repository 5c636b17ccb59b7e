// An edition as the Markdown file of a Zola or Hugo archive, in the shape the reference newsletter
// publishes, written so that Veille's Markdown importer reads back the very same edition: every
// block in its place, a section's text before and after its links, the closing words, and the
// sections kept empty on purpose. What the shape of a file cannot say is said by HTML comments,
// which a static-site generator renders as nothing:
//   <!-- closing -->     the closing words follow, to the end of the file;
//   <!-- keep-empty -->  stands where the links of a section shown without any would be;
//   <!-- empty -->       the same for an empty section readers do not see, written only when it has text;
//   <!-- text -->        under the heading of a text section that would otherwise read as links.
import { randomUUID } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import type { CategoryBlock, EditionDocument, EditionLink } from './edition-types.ts';
import { isSafeUrl } from '../platform/html.ts';
import { escapeMarkdownHeading, escapeMarkdownText, inertMarkdown } from '../platform/markdown-syntax.ts';

/** The markers the export writes and the importer reads, each alone on its line. */
export const MARKDOWN_MARKERS = {
  closing: '<!-- closing -->',
  keepEmpty: '<!-- keep-empty -->',
  empty: '<!-- empty -->',
  text: '<!-- text -->',
} as const;

export type MarkdownMarker = keyof typeof MARKDOWN_MARKERS;

// Only the block structure is read, to see where lists start and end.
const blocksOnly = new MarkdownIt({ html: false });
blocksOnly.core.ruler.enableOnly(['normalize', 'block']);

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

function linkMarkdown(link: EditionLink, depth: number, bullet = '*'): string {
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
  const lines = [`${indent}${bullet} ${anchor}${commentary}`];
  for (const child of link.children) lines.push(linkMarkdown(child, depth + 1));
  return lines.join('\n');
}

// Leading blank lines and trailing whitespace go; leading spaces stay, they may open an indented code block.
function markdownBlock(source: string): string {
  return source.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}

/** The bullet of a list the text ends with, or starts with: a list of links beside it must use another, or the two would be one list. */
function edgeBullets(source: string): { first?: string; last?: string } {
  // The first token opens a top-level block and the last one closes one.
  const tokens = blocksOnly.parse(source, {});
  const first = tokens[0];
  const last = tokens.at(-1);
  return {
    first: first?.type === 'bullet_list_open' ? first.markup : undefined,
    last: last?.type === 'bullet_list_close' ? last.markup : undefined,
  };
}

/**
 * Whether the importer could take a text for a list of links: one of its top-level bullet lists has
 * an item that opens with a link. Erring on the side of yes only costs a marker.
 */
function mayReadAsLinks(source: string): boolean {
  const open: string[] = [];
  for (const token of blocksOnly.parse(source, {})) {
    if (token.type === 'inline' && open.join(' ') === 'bullet_list_open list_item_open paragraph_open' && /^\s*(?:\*\*|__|\*|_)?\[/.test(token.content))
      return true;
    if (token.nesting === 1) open.push(token.type);
    else if (token.nesting === -1) open.pop();
  }
  return false;
}

/** A category's section: heading, text before, links (or a marker standing for them), text after. */
function categoryMarkdown(block: CategoryBlock, marker: (name: MarkdownMarker) => string): string {
  const intro = markdownBlock(block.intro);
  const outro = markdownBlock(block.outro);
  let list = '';
  if (block.links.length > 0) {
    const around = [edgeBullets(intro).last, edgeBullets(outro).first];
    const bullet = ['*', '-', '+'].find((candidate) => !around.includes(candidate))!;
    list = block.links.map((link) => linkMarkdown(link, 0, bullet)).join('\n');
  } else if (block.keepEmpty) list = marker('keepEmpty');
  else if (intro || outro) list = marker('empty');
  return [`## ${escapeMarkdownHeading(block.name)}`, intro, list, outro].filter(Boolean).join('\n\n');
}

/**
 * The edition as Zola/Hugo Markdown with TOML front matter, in the shape of the published archive,
 * marked where its shape alone would be read otherwise (see MARKDOWN_MARKERS). Generators pass raw
 * HTML through and follow any link: titles and headings are escaped as text, and the Markdown the
 * editors wrote is made inert (raw HTML escaped, links to other schemes reduced to their text)
 * while it keeps its meaning.
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
  // Markers go in as plain words inertMarkdown leaves alone, and become comments afterwards.
  const nonce = randomUUID().replace(/-/g, '');
  const placeholders = new Map<string, string>();
  const marker = (name: MarkdownMarker) => {
    const word = `VEILLEMARKER${nonce}${placeholders.size}`;
    placeholders.set(word, MARKDOWN_MARKERS[name]);
    return word;
  };
  const parts: string[] = [];
  if (markdownBlock(edition.intro)) parts.push(markdownBlock(edition.intro));
  for (const block of edition.blocks) {
    if (block.kind === 'category') {
      parts.push(categoryMarkdown(block, marker));
      continue;
    }
    const body = markdownBlock(block.body);
    const marked = !body || mayReadAsLinks(body) ? marker('text') : '';
    parts.push([`## ${escapeMarkdownHeading(block.heading)}`, marked, body].filter(Boolean).join('\n\n'));
  }
  const closing = markdownBlock(edition.outro);
  const last = edition.blocks.at(-1);
  // Unmarked, text after the last section's links is read as the closing words (older archives do so).
  if (closing || (last?.kind === 'category' && markdownBlock(last.outro))) parts.push(marker('closing'));
  if (closing) parts.push(closing);
  // The body is made inert as a whole: code blocks and paragraphs are then read in their context.
  if (parts.length === 0) return `${frontMatter}\n`;
  let body = inertMarkdown(parts.join('\n\n'));
  for (const [word, comment] of placeholders) body = body.replace(new RegExp(`^${word}$`, 'm'), comment);
  return `${frontMatter}\n\n${body}\n`;
}
