// Reads one edition written as Markdown with front matter (Zola/Hugo TOML between "+++" lines,
// Jekyll/Hugo YAML between "---" lines), as the archive of the reference newsletter and the app's
// own Markdown export (editionToMarkdown) write them. The structure comes from markdown-it's
// block tokens, so fenced code, nesting and lists follow CommonMark; the text itself (intro,
// commentaries, free sections) is sliced from the source, so it keeps its Markdown as written.
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { closingBracket, inlineDestination, unescapeMarkdown } from '../platform/markdown-syntax.ts';
import { toml, yaml } from './front-matter-parsers.ts';
import {
  unclosedFence,
  NOT_A_LINK,
  assembleBody,
  cleanTags,
  collapseSpaces,
  fail,
  failureReason,
  isLinkList,
  isPeriod,
  looksBinary,
  looksLikeJson,
  parseDateText,
  periodOfDate,
  resolveOptions,
  sectionLevel,
  usableUrl,
  type DateValue,
  type ImportOptions,
  type MarkdownParseResult,
  type RawBlock,
  type RawItem,
  type RawSection,
  type ResolvedOptions,
} from './types.ts';

// Only the block structure is needed: inline parsing is skipped, which also keeps a megabyte of
// brackets on one line from costing anything. Raw HTML stays text, as in the app's renderer.
const md = new MarkdownIt({ html: false });
md.core.ruler.enableOnly(['normalize', 'block']);

type References = Record<string, { href: string; title: string }>;

type FrontMatter = { data: Record<string, unknown>; bodyStart: number };

/** Parses one Markdown edition (front matter + "## Category" sections of "* [title](url) : commentary" items); never throws. */
export function parseMarkdownEdition(text: string, source: string, options?: ImportOptions): MarkdownParseResult {
  try {
    return { edition: parse(text, source, resolveOptions(options)) };
  } catch (error) {
    return { failure: { source, reason: failureReason(error, 'file') } };
  }
}

function parse(input: string, source: string, options: ResolvedOptions) {
  if (typeof input !== 'string') fail('The file is not text.');
  const text = input.replace(/^\uFEFF/, '');
  if (!text.trim()) fail('The file is empty.');
  if (looksBinary(text)) fail('This is not a text file: it contains binary data.');
  if (/^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(text)) fail('This is an HTML page, not a Markdown file.');
  if (/^\s*<\?xml/i.test(text)) fail('This is an XML document, not a Markdown file.');
  if (looksLikeJson(text)) fail('This is a JSON document, not a Markdown file.');

  const lines = text.split(/\r\n?|\n/);
  const front = readFrontMatter(lines);
  const warnings: string[] = [];
  const title = frontTitle(front.data);
  const { date, period } = frontDate(front.data, source, options, warnings);
  const tags = frontTags(front.data);

  const body = lines.slice(front.bodyStart);
  const assembled = readBody(body, title, warnings);
  if (!assembled.blocks.some((block) => block.kind === 'category')) {
    fail('The file has no section with a list of links (“## Heading” followed by “* [title](url)” items): it does not look like an edition.');
  }
  return { source, title, period, date: date?.instant ?? null, tags, ...assembled, warnings };
}

// --- Front matter ---------------------------------------------------------------------------

function readFrontMatter(lines: string[]): FrontMatter {
  const opening = lines[0]?.trimEnd();
  if (opening !== '+++' && opening !== '---') fail('There is no front matter (+++ TOML or --- YAML) at the top of the file.');
  const closers = opening === '+++' ? ['+++'] : ['---', '...'];
  let end = -1;
  for (let index = 1; index < lines.length; index += 1) {
    if (closers.includes((lines[index] ?? '').trimEnd())) {
      end = index;
      break;
    }
  }
  const kind = opening === '+++' ? 'TOML' : 'YAML';
  if (end < 0) fail(`The ${kind} front matter opened with ${opening} on line 1 is never closed.`);
  const source = lines.slice(1, end).join('\n');
  const data = kind === 'TOML' ? readToml(source) : readYaml(source);
  return { data, bodyStart: end + 1 };
}

// Line numbers in messages count from the top of the file: the front matter starts on line 2.
function readToml(source: string): Record<string, unknown> {
  try {
    return toml().parse(source) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof toml().TomlError) {
      const message = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      fail(`The TOML front matter is malformed: ${message} (line ${error.line + 1}, column ${error.column}).`);
    }
    throw error;
  }
}

function readYaml(source: string): Record<string, unknown> {
  // The default YAML 1.2 core schema keeps dates as strings, read below like every other date;
  // yaml's alias limit guards against "billion laughs" documents.
  const document = yaml().parseDocument(source, { prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? ` (line ${position.line + 1}, column ${position.col})` : '';
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
    fail(`The YAML front matter is malformed: ${message}${where}.`);
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) fail('The YAML front matter is not a list of “key: value” settings.');
  return data as Record<string, unknown>;
}

function frontTitle(data: Record<string, unknown>): string {
  const value = data.title;
  const title = typeof value === 'string' || typeof value === 'number' ? collapseSpaces(String(value)) : '';
  if (!title) fail('The front matter has no title.');
  return title;
}

function frontDate(
  data: Record<string, unknown>,
  source: string,
  options: ResolvedOptions,
  warnings: string[],
): { date: DateValue | undefined; period: string | null } {
  let date: DateValue | undefined;
  const raw = data.date;
  if (raw !== undefined && raw !== null && raw !== '') {
    // smol-toml's TomlDate prints back what the file said ("2018-01-31", "...T10:00:00"), offset or not.
    const text = raw instanceof Date ? raw.toISOString() : typeof raw === 'string' ? raw : '';
    date = parseDateText(text, options.timeZone);
    if (!date) fail(`The front matter's date “${typeof raw === 'string' ? raw : String(raw)}” is not a valid date.`);
  }
  let period: string | null = null;
  if (data.period !== undefined) {
    const value = typeof data.period === 'string' ? data.period.trim() : String(data.period);
    if (!isPeriod(value)) fail(`The front matter's period “${value}” is not valid: expected YYYY-MM (monthly) or YYYY-Www (weekly).`);
    period = value;
  }
  if (!date && !period) {
    // Jekyll dates its posts by their file name: 2018-01-31-some-title.md.
    const fromName = /(?:^|\/)(\d{4}-\d{2}-\d{2})-[^/]*$/.exec(source);
    date = fromName?.[1] ? parseDateText(fromName[1], options.timeZone) : undefined;
    if (!date) fail('The front matter needs a date or a period.');
    warnings.push(`The date ${fromName?.[1]} was taken from the file name.`);
  }
  return { date, period: period ?? (date ? periodOfDate(date, options) : null) };
}

function frontTags(data: Record<string, unknown>): string[] {
  const taxonomies = data.taxonomies;
  const value = data.tags ?? (taxonomies && typeof taxonomies === 'object' ? (taxonomies as Record<string, unknown>).tags : undefined);
  if (Array.isArray(value)) return cleanTags(value.filter((tag) => typeof tag === 'string' || typeof tag === 'number').map(String));
  if (typeof value === 'string') return cleanTags(value.includes(',') ? value.split(',') : value.split(/\s+/));
  return [];
}

// --- Body -----------------------------------------------------------------------------------

type Block =
  | { kind: 'heading'; level: number; name: string; start: number; end: number }
  | { kind: 'links'; items: RawItem[]; start: number; end: number }
  | { kind: 'content'; start: number; end: number };

function readBody(lines: string[], title: string, warnings: string[]) {
  const env: { references?: References } = {};
  const tokens = md.parse(lines.join('\n'), env);
  const references = env.references ?? {};
  const unclosed = unclosedFence(tokens, lines);
  if (unclosed) warnings.push(unclosed);
  let blocks = topLevelBlocks(tokens, lines, references);

  // A "# Title" repeating the front matter's title is the page heading, not a section.
  let bodyStart = 0;
  const first = blocks[0];
  if (first?.kind === 'heading' && first.level === 1 && first.name.toLowerCase() === title.toLowerCase()) {
    bodyStart = first.end;
    blocks = blocks.slice(1);
  }

  const level = sectionLevel(blocks, 3);
  const starts = blocks.flatMap((block, index) => (block.kind === 'heading' && block.level === level ? [index] : []));
  const firstSection = starts[0] === undefined ? undefined : blocks[starts[0]];
  const intro = slice(lines, bodyStart, firstSection ? firstSection.start : lines.length);
  const sections: RawSection[] = starts.map((headingIndex, position) => {
    const heading = blocks[headingIndex] as Extract<Block, { kind: 'heading' }>;
    const nextIndex = starts[position + 1];
    const contentEnd = nextIndex === undefined ? lines.length : (blocks[nextIndex]?.start ?? lines.length);
    const own = blocks.slice(headingIndex + 1, nextIndex ?? blocks.length);
    const rawBlocks: RawBlock[] = own.map((block) => (block.kind === 'links' ? { kind: 'links', items: block.items } : { kind: 'content' }));
    return {
      heading: heading.name,
      blocks: rawBlocks,
      text: (from, to) =>
        slice(lines, from === 0 ? heading.end : (own[from]?.start ?? contentEnd), to >= own.length ? contentEnd : (own[to]?.start ?? contentEnd)),
    };
  });
  return assembleBody({ intro, sections }, warnings);
}

/** Lines [start, end) as one Markdown text, without the blank lines around it. */
function slice(lines: string[], start: number, end: number): string {
  return lines
    .slice(start, Math.max(start, end))
    .join('\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

/** The document's top-level blocks (headings, lists of links, anything else) with their source lines. */
function topLevelBlocks(tokens: Token[], lines: string[], references: References): Block[] {
  const blocks: Block[] = [];
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index] as Token;
    const end = closingIndex(tokens, index);
    const map = token.map ?? [0, 0];
    if (token.type === 'heading_open') {
      const inline = tokens[index + 1];
      // Backslash escapes are the heading's own text ("## C\\# tips" is "C# tips"), as the export writes them.
      blocks.push({
        kind: 'heading',
        level: Number(token.tag.slice(1)),
        name: collapseSpaces(unescapeMarkdown(inline?.content ?? '')),
        start: map[0],
        end: map[1],
      });
    } else if (token.type === 'bullet_list_open') {
      const items = listItems(tokens, index, lines, references);
      const withLink = items.filter((item) => item.problem !== NOT_A_LINK).length;
      blocks.push(isLinkList(withLink, items.length) ? { kind: 'links', items, start: map[0], end: map[1] } : { kind: 'content', start: map[0], end: map[1] });
    } else if (token.type !== 'reference_definition') {
      blocks.push({ kind: 'content', start: map[0], end: map[1] });
    }
    index = end + 1;
  }
  return blocks;
}

/** The index of the token closing the one at `index` (itself for tokens that do not nest). */
function closingIndex(tokens: Token[], index: number): number {
  const open = tokens[index];
  if (!open || open.nesting !== 1) return index;
  let depth = 0;
  for (let cursor = index; cursor < tokens.length; cursor += 1) {
    depth += (tokens[cursor] as Token).nesting;
    if (depth === 0) return cursor;
  }
  return tokens.length - 1;
}

/** The items of the bullet list opening at `listIndex`, each read as a link item (or marked as not one). */
function listItems(tokens: Token[], listIndex: number, lines: string[], references: References): RawItem[] {
  const listEnd = closingIndex(tokens, listIndex);
  const items: RawItem[] = [];
  let index = listIndex + 1;
  while (index < listEnd) {
    const token = tokens[index] as Token;
    const itemEnd = closingIndex(tokens, index);
    if (token.type === 'list_item_open') items.push(listItem(tokens, index, itemEnd, lines, references));
    index = itemEnd + 1;
  }
  return items;
}

function listItem(tokens: Token[], itemIndex: number, itemEnd: number, lines: string[], references: References): RawItem {
  const map = (tokens[itemIndex] as Token).map ?? [0, 0];
  // Nested bullet lists of links are the item's children; anything else belongs to its commentary.
  const children: RawItem[] = [];
  const excluded: Array<[number, number]> = [];
  let index = itemIndex + 1;
  while (index < itemEnd) {
    const token = tokens[index] as Token;
    const end = closingIndex(tokens, index);
    if (token.type === 'bullet_list_open') {
      const nested = listItems(tokens, index, lines, references);
      const withLink = nested.filter((item) => item.problem !== NOT_A_LINK).length;
      if (isLinkList(withLink, nested.length) && token.map) {
        children.push(...nested);
        excluded.push([token.map[0], token.map[1]]);
      }
    }
    index = end + 1;
  }
  const text = itemSource(lines, map[0], map[1], excluded);
  return { ...linkItem(text, references), children, text };
}

/** An item's own text: the bullet removed, continuation lines dedented to the item's content column. */
function itemSource(lines: string[], start: number, end: number, excluded: Array<[number, number]>): string {
  const firstLine = lines[start] ?? '';
  const marker = /^([ \t]*)([*+-]|\d{1,9}[.)])([ \t]*)/.exec(firstLine);
  const prefix = marker?.[0] ?? '';
  const width = columns(prefix);
  // "*     code" starts an indented code block: the content column is then one space after the marker.
  const contentColumn = columns(marker?.[3] ?? '') > 4 ? columns(`${marker?.[1] ?? ''}${marker?.[2] ?? ''}`) + 1 : width;
  const parts = [firstLine.slice(prefix.length)];
  for (let line = start + 1; line < end; line += 1) {
    if (excluded.some(([from, to]) => line >= from && line < to)) continue;
    parts.push(dedent(lines[line] ?? '', contentColumn));
  }
  return parts.join('\n').trimEnd();
}

function columns(whitespace: string): number {
  let width = 0;
  for (const char of whitespace) width = char === '\t' ? width + 4 - (width % 4) : width + 1;
  return width;
}

function dedent(line: string, count: number): string {
  let width = 0;
  let index = 0;
  while (index < line.length && width < count) {
    const char = line[index];
    if (char === ' ') width += 1;
    else if (char === '\t') width += 4 - (width % 4);
    else break;
    index += 1;
  }
  return line.slice(index);
}

// --- Link items -----------------------------------------------------------------------------

/** Reads "[title](url) : commentary" (also "**[title](url)**", reference links, " - ", " — " or no separator). */
function linkItem(text: string, references: References): Omit<RawItem, 'children' | 'text'> {
  const link = leadingLink(text, references);
  if (!link) return { title: '', url: '', problem: NOT_A_LINK, commentary: '' };
  const checked = usableUrl(link.url);
  const rest = text.slice(link.end).replace(/^[ \t\u00a0\u202f]*(?::|[—–-](?=\s|$))?/, '');
  const title = collapseSpaces(unescapeMarkdown(link.label));
  if ('problem' in checked) return { title, url: link.url, problem: checked.problem, commentary: '' };
  return { title: title || checked.url, url: checked.url, problem: null, commentary: rest.trim() };
}

type LeadingLink = { label: string; url: string; end: number };

// Every scan below moves forward only, once: linear in the length of the item whatever it holds.
function leadingLink(text: string, references: References): LeadingLink | undefined {
  let index = 0;
  while (text[index] === ' ' || text[index] === '\t') index += 1;
  let wrapper = '';
  for (const candidate of ['**', '__', '*', '_']) {
    if (text.startsWith(`${candidate}[`, index)) {
      wrapper = candidate;
      index += candidate.length;
      break;
    }
  }
  if (text[index] !== '[') return undefined;
  const labelEnd = closingBracket(text, index);
  if (labelEnd === undefined) return undefined;
  const label = text.slice(index + 1, labelEnd);
  let cursor = labelEnd + 1;
  let url: string | undefined;
  if (text[cursor] === '(') {
    const inline = inlineDestination(text, cursor + 1);
    if (inline) {
      url = inline.url;
      cursor = inline.end;
    }
  }
  if (url === undefined) {
    let reference = label;
    if (text[cursor] === '[') {
      const referenceEnd = closingBracket(text, cursor);
      if (referenceEnd !== undefined) {
        const inner = text.slice(cursor + 1, referenceEnd);
        if (inner.trim()) reference = inner;
        cursor = referenceEnd + 1;
      }
    }
    const found = references[md.utils.normalizeReference(reference)];
    if (!found) return undefined;
    url = found.href;
  }
  if (wrapper) {
    if (!text.startsWith(wrapper, cursor)) return undefined;
    cursor += wrapper.length;
  }
  return { label, url, end: cursor };
}
