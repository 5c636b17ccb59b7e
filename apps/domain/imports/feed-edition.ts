// Reads editions from an RSS 2.0 / RSS 1.0 / Atom feed: a blog's archive, Substack's feed or the
// app's own feeds. Each item's HTML is walked: headings start sections, lists whose items open
// with a link become categories of links, everything else is converted to Markdown (intro, free
// sections, outro, commentaries). Scripts, styles, frames and forms are dropped before anything
// is read, and only http(s)/mailto links survive.
import { decodeHTMLStrict } from 'entities';
import type { AnyNode, ChildNode, Element } from 'domhandler';
import { DomUtils, ElementType, Parser, parseDocument } from 'htmlparser2';
import { escapeHtml } from '../platform/html.ts';
import {
  NOT_A_LINK,
  assembleBody,
  cleanTags,
  collapseSpaces,
  fail,
  failureReason,
  isLinkList,
  looksBinary,
  looksLikeJson,
  parseDateText,
  periodOfDate,
  resolveOptions,
  sectionLevel,
  usableUrl,
  type FeedParseResult,
  type ImportOptions,
  type ImportedEdition,
  type ParseFailure,
  type RawBlock,
  type RawItem,
  type RawSection,
  type ResolvedOptions,
} from './types.ts';

type FeedKind = 'rss' | 'atom';

/** Parses an RSS or Atom feed into one edition per item that has sections of links; never throws. */
export function parseFeed(xml: string, source: string, options?: ImportOptions): FeedParseResult {
  try {
    const resolved = resolveOptions(options);
    const { kind, root } = readFeedDocument(xml);
    const items = feedItems(root, kind);
    if (items.length === 0) fail(`The feed has no ${kind === 'atom' ? 'entries' : 'items'}.`);
    const editions: ImportedEdition[] = [];
    const skipped: ParseFailure[] = [];
    items.forEach((item, index) => {
      let itemSource = `${source}#${index + 1}`;
      try {
        const meta = kind === 'atom' ? atomMeta(item) : rssMeta(item);
        itemSource = meta.link || meta.guid || itemSource;
        editions.push(readItem(meta, itemSource, resolved));
      } catch (error) {
        skipped.push({ source: itemSource, reason: failureReason(error, 'item') });
      }
    });
    return { editions, skipped };
  } catch (error) {
    return { failure: { source, reason: failureReason(error, 'feed') } };
  }
}

// --- The XML document -----------------------------------------------------------------------

function localName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
}

function readFeedDocument(input: string): { kind: FeedKind; root: Element } {
  if (typeof input !== 'string') fail('The feed is not text.');
  const xml = input.replace(/^\uFEFF/, '');
  if (!xml.trim()) fail('The feed is empty.');
  if (looksBinary(xml)) fail('This is not an RSS or Atom feed: it contains binary data.');
  if (looksLikeJson(xml)) {
    const jsonFeed = /^\s*\{[\s\S]{0,200}"version"\s*:\s*"https:\/\/jsonfeed\.org/.test(xml);
    fail(jsonFeed ? 'This is a JSON Feed, which cannot be imported: use the RSS or Atom feed instead.' : 'This is a JSON document, not an RSS or Atom feed.');
  }

  if (nestingDeeperThan(xml, MAX_DEPTH, false)) fail(`The feed is nested more than ${MAX_DEPTH} elements deep: it cannot be read.`);

  // htmlparser2 repairs whatever it is given; this first pass notices what it had to repair.
  let depth = 0;
  let rootName: string | undefined;
  let unclosed: string | undefined;
  const parser: Parser = new Parser(
    {
      onopentag(name) {
        if (depth === 0) rootName ??= name;
        depth += 1;
      },
      onclosetag(name, implied) {
        depth -= 1;
        if (!implied || unclosed) return;
        const tag = xml.slice(parser.startIndex, parser.endIndex + 1);
        if (!(tag.startsWith(`<${name}`) && tag.endsWith('/>'))) unclosed = name;
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  if (rootName === undefined) fail('This is not an RSS or Atom feed: it is not XML.');
  const rootLocal = localName(rootName);
  if (rootLocal !== 'rss' && rootLocal !== 'feed' && rootLocal !== 'rdf') fail(`This is not an RSS or Atom feed: the document's root is <${rootName}>.`);
  if (unclosed) fail(`The feed is not well-formed XML (is it truncated?): <${unclosed}> is never closed.`);

  // Entities are decoded by hand below, once: CDATA must stay as it is, and feeds in the wild
  // use HTML entities (&eacute;) that an XML parser would leave alone.
  const document = parseDocument(xml, { xmlMode: true, decodeEntities: false });
  const root = document.children.find((node): node is Element => DomUtils.isTag(node));
  if (!root) fail('This is not an RSS or Atom feed: it is not XML.');
  return { kind: rootLocal === 'feed' ? 'atom' : 'rss', root };
}

function childElements(element: Element, name: string): Element[] {
  return element.children.filter((node): node is Element => DomUtils.isTag(node) && localName(node.name) === name);
}

function firstChild(element: Element, ...names: string[]): Element | undefined {
  for (const name of names) {
    const found = childElements(element, name)[0];
    if (found) return found;
  }
  return undefined;
}

/** The text of an XML element: entities decoded in text, CDATA kept as written. */
function xmlText(node: AnyNode | undefined): string {
  if (!node) return '';
  if (DomUtils.isText(node)) return decodeHTMLStrict(node.data);
  if (DomUtils.isCDATA(node)) return node.children.map((child) => (DomUtils.isText(child) ? child.data : '')).join('');
  if (DomUtils.isTag(node)) return node.children.map(xmlText).join('');
  return '';
}

function attribute(element: Element | undefined, name: string): string {
  const value = element?.attribs[name];
  return value === undefined ? '' : decodeHTMLStrict(value);
}

function feedItems(root: Element, kind: FeedKind): Element[] {
  if (kind === 'atom') return childElements(root, 'entry');
  const channel = firstChild(root, 'channel');
  // RSS 1.0 (RDF) puts its items beside the channel, RSS 2.0 inside it.
  return [...(channel ? childElements(channel, 'item') : []), ...childElements(root, 'item')];
}

type ItemMeta = { title: string; link: string; guid: string; date: string; tags: string[]; html: string };

function rssMeta(item: Element): ItemMeta {
  // <atom:link href> may sit beside <link>: only a link with text is the item's address.
  const link = childElements(item, 'link').map((element) => collapseSpaces(xmlText(element)) || attribute(element, 'href')).find(Boolean) ?? '';
  return {
    title: collapseSpaces(xmlText(firstChild(item, 'title'))),
    link: link.trim(),
    guid: collapseSpaces(xmlText(firstChild(item, 'guid'))),
    date: collapseSpaces(xmlText(firstChild(item, 'pubdate', 'date', 'published', 'updated'))),
    tags: [...childElements(item, 'category'), ...childElements(item, 'subject')].map(xmlText),
    html: xmlText(firstChild(item, 'encoded')) || xmlText(firstChild(item, 'description')),
  };
}

function atomMeta(entry: Element): ItemMeta {
  const links = childElements(entry, 'link').filter((link) => !link.attribs.rel || link.attribs.rel === 'alternate');
  const link = links.find((candidate) => /html/i.test(candidate.attribs.type ?? 'text/html')) ?? links[0];
  return {
    title: collapseSpaces(textOfHtml(atomHtml(firstChild(entry, 'title')))),
    link: attribute(link, 'href').trim(),
    guid: collapseSpaces(xmlText(firstChild(entry, 'id'))),
    date: collapseSpaces(xmlText(firstChild(entry, 'published', 'updated', 'issued', 'modified'))),
    tags: childElements(entry, 'category').map((category) => attribute(category, 'term') || attribute(category, 'label') || xmlText(category)),
    html: atomHtml(firstChild(entry, 'content')) || atomHtml(firstChild(entry, 'summary')),
  };
}

/** An Atom text construct as HTML, whatever its type (text, html, xhtml). */
function atomHtml(element: Element | undefined): string {
  if (!element || element.attribs.src !== undefined) return '';
  const type = (element.attribs.type ?? 'text').toLowerCase();
  if (type === 'xhtml') return DomUtils.getOuterHTML(element.children, { xmlMode: false, decodeEntities: false });
  if (type === 'html' || type.includes('html')) return xmlText(element);
  return textToHtml(xmlText(element));
}

function textToHtml(text: string): string {
  return text
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('\n');
}

function readItem(meta: ItemMeta, source: string, options: ResolvedOptions): ImportedEdition {
  if (!meta.title) fail('The item has no title.');
  const warnings: string[] = [];
  const date = meta.date ? parseDateText(meta.date, options.timeZone) : undefined;
  if (meta.date && !date) warnings.push(`The publication date “${meta.date}” was not understood: choose the edition's period by hand.`);
  if (!meta.date) warnings.push("The item has no publication date: choose the edition's period by hand.");
  const base = /^https?:\/\//i.test(meta.link) ? meta.link : undefined;
  const body = readHtmlBody(meta.html, meta.title, base, warnings);
  if (body.categories.length === 0) fail('This post has no section with a list of links: it does not look like an edition.');
  return {
    source,
    title: meta.title,
    period: date ? periodOfDate(date, options) : null,
    date: date?.instant ?? null,
    tags: cleanTags(meta.tags),
    ...body,
    warnings,
  };
}

// --- The item's HTML ------------------------------------------------------------------------

// Never kept, never read: active content, embedded documents, forms and the document's head.
const DROPPED_TAGS = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'noscript', 'template',
  'form', 'input', 'button', 'select', 'textarea', 'option', 'svg', 'math', 'canvas', 'video', 'audio',
  'source', 'track', 'link', 'meta', 'base', 'head', 'title', 'dialog',
]);
// Substack's subscribe boxes and buttons, and the zoom control of its images.
const DROPPED_CLASS = /^(?:subscription-widget.*|button-wrapper|image-link-expand|share-dialog)$/;

const HEADING_LEVELS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };
const CONTAINERS = new Set(['html', 'body', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'nav', 'center', 'hgroup']);
const BLOCKS = new Set([
  ...CONTAINERS, 'p', 'pre', 'blockquote', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody',
  'tfoot', 'tr', 'td', 'th', 'caption', 'hr', 'figure', 'figcaption', 'address', 'details', 'summary',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'picture',
]);
// What may wrap the link that opens an item: <li><p><a>, <li><strong><a>...
const LINK_WRAPPERS = new Set(['p', 'strong', 'b', 'em', 'i', 'span', 'u', 'mark', 'small', 'div']);

function isElement(node: AnyNode): node is Element {
  return DomUtils.isTag(node);
}

function isBlock(node: AnyNode): node is Element {
  return isElement(node) && BLOCKS.has(node.name);
}

function classes(element: Element): string[] {
  return (element.attribs.class ?? '').split(/\s+/).filter(Boolean);
}

// htmlparser2 keeps its stack of open elements with Array.unshift: parsing n nested elements
// costs n² (15 s for a megabyte of "<a>"), and walking them would exhaust the call stack. Real
// content is a few dozen elements deep at most.
const MAX_DEPTH = 1000;
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
// Elements HTML closes implicitly (<p><p>, <li><li>): not counted, so sloppy HTML is not taken for deep HTML.
const SELF_ENDING = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);

/** A linear estimate of the markup's nesting, only to refuse what the parser would choke on. */
function nestingDeeperThan(markup: string, limit: number, html: boolean): boolean {
  let depth = 0;
  let index = markup.indexOf('<');
  while (index >= 0 && index < markup.length) {
    let end: number;
    if (markup.startsWith('<!--', index)) end = endOf(markup, '-->', index + 4);
    else if (markup.startsWith('<![CDATA[', index)) end = endOf(markup, ']]>', index + 9);
    else {
      end = markup.indexOf('>', index + 1);
      const tag = /^<(\/?)([A-Za-z][\w:.-]*)/.exec(markup.slice(index, index + 64));
      const name = tag?.[2]?.toLowerCase() ?? '';
      const selfClosing = end > 0 && markup[end - 1] === '/';
      if (tag && !selfClosing && !(html && (VOID_ELEMENTS.has(name) || SELF_ENDING.has(name)))) {
        depth += tag[1] ? -1 : 1;
        if (depth > limit) return true;
      }
    }
    if (end < 0) return false;
    index = markup.indexOf('<', end + 1);
  }
  return false;
}

/** The index of the last character of `marker` found from `from`, or -1. */
function endOf(text: string, marker: string, from: number): number {
  const found = text.indexOf(marker, from);
  return found < 0 ? -1 : found + marker.length - 1;
}

/** Parses HTML and removes what must never be read, without recursion (the nesting may be deep). */
function parseHtml(html: string): ChildNode[] {
  if (nestingDeeperThan(html, MAX_DEPTH, true)) fail(`The item's HTML is nested more than ${MAX_DEPTH} elements deep: it cannot be read.`);
  const document = parseDocument(html);
  const stack: AnyNode[] = [document];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (!DomUtils.hasChildren(node)) continue;
    for (const child of [...node.children]) {
      if (DomUtils.isComment(child) || child.type === ElementType.Directive) DomUtils.removeElement(child);
      else if (isElement(child) && (DROPPED_TAGS.has(child.name) || classes(child).some((name) => DROPPED_CLASS.test(name)))) DomUtils.removeElement(child);
      else stack.push(child);
    }
  }
  return document.children;
}

/** Text content, iteratively. */
function textOf(nodes: AnyNode | AnyNode[]): string {
  const parts: string[] = [];
  const stack: AnyNode[] = Array.isArray(nodes) ? [...nodes].reverse() : [nodes];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (DomUtils.isText(node)) parts.push(node.data);
    else if (isElement(node) && node.name === 'br') parts.push('\n');
    else if (DomUtils.hasChildren(node)) for (let index = node.children.length - 1; index >= 0; index -= 1) stack.push(node.children[index] as AnyNode);
  }
  return parts.join('');
}

function textOfHtml(html: string): string {
  return textOf(parseHtml(html));
}

type Region = 'intro' | 'outro';
type Entry =
  | { kind: 'heading'; level: number; text: string; free: boolean; region?: Region }
  | { kind: 'links'; items: RawItem[]; markdown: string; region?: Region }
  | { kind: 'content'; markdown: string; region?: Region };

/** The body of an item: intro, sections of links, free sections and outro, as Markdown. */
function readHtmlBody(html: string, title: string, base: string | undefined, warnings: string[]) {
  const converter = new MarkdownWriter(base);
  const entries: Entry[] = [];
  converter.walk(parseHtml(html), { free: false }, entries);

  // A first <h1> repeating the item's title is the page heading, not a section.
  const first = entries[0];
  if (first?.kind === 'heading' && first.level === 1 && first.text.toLowerCase() === title.toLowerCase()) entries.shift();

  const level = sectionLevel(entries.map((entry) => (entry.kind === 'heading' ? { kind: 'heading' as const, level: entry.level } : { kind: entry.kind })), 4);
  const intro: string[] = [];
  const outro: string[] = [];
  const sections: Array<{ heading: string; free: boolean; entries: Array<Exclude<Entry, { kind: 'heading' }>> }> = [];
  for (const entry of entries) {
    const current = sections.at(-1);
    if (entry.kind === 'heading' && entry.level === level && !entry.region) {
      sections.push({ heading: entry.text, free: entry.free, entries: [] });
      continue;
    }
    // Other headings are content; the app renders an editor's "#" as <h3>, hence the shift.
    const block: Exclude<Entry, { kind: 'heading' }> =
      entry.kind === 'heading' ? { kind: 'content', markdown: `${'#'.repeat(Math.max(1, entry.level - 2))} ${escapeText(entry.text)}` } : entry;
    if (entry.region === 'outro') outro.push(block.markdown);
    else if (current && entry.region !== 'intro') current.entries.push(block);
    else intro.push(block.markdown);
  }
  const rawSections: RawSection[] = sections.map((section) => ({
    heading: section.heading,
    free: section.free,
    blocks: section.entries.map((entry): RawBlock => (entry.kind === 'links' ? { kind: 'links', items: entry.items } : { kind: 'content' })),
    text: (from, to) => section.entries.slice(from, to).map((entry) => entry.markdown).join('\n\n'),
  }));
  return assembleBody({ intro: intro.join('\n\n'), sections: rawSections, outro: outro.length > 0 ? outro.join('\n\n') : undefined }, warnings);
}

// --- HTML to Markdown -----------------------------------------------------------------------

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Escapes text so Markdown reads it back as the same text, without escaping what cannot mean anything. */
function escapeText(text: string): string {
  const out: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    const previous = text[index - 1];
    const next = text[index + 1];
    switch (char) {
      case '\\':
        out.push(next === undefined || ASCII_PUNCTUATION.test(next) ? '\\\\' : '\\');
        break;
      case '`':
      case '[':
      case ']':
        out.push(`\\${char}`);
        break;
      case '*':
        // "5 * 3" cannot open emphasis; anything else might.
        out.push(isSpace(previous) && isSpace(next) ? '*' : '\\*');
        break;
      case '_':
        // Inside a word (snake_case) an underscore never opens emphasis.
        out.push((isWordChar(previous) && isWordChar(next)) || (isSpace(previous) && isSpace(next)) ? '_' : '\\_');
        break;
      case '~':
        out.push(previous === '~' || next === '~' ? '\\~' : '~');
        break;
      case '<':
        out.push(next !== undefined && /[A-Za-z/!?]/.test(next) ? '\\<' : '<');
        break;
      case '&':
        out.push(/^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/.test(text.slice(index, index + 40)) ? '\\&' : '&');
        break;
      default:
        out.push(char);
    }
  }
  return out.join('');
}

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}]/u.test(char);
}

/** Escapes what would make a line start a block (heading, quote, list, rule, setext underline). */
function escapeLineStart(line: string): string {
  if (/^#{1,6}(?:\s|$)/.test(line) || line.startsWith('>')) return `\\${line}`;
  if (/^[-+](?:\s|$)/.test(line) || /^[-=]+\s*$/.test(line)) return `\\${line}`;
  const ordered = /^(\d{1,9})([.)])(?=\s|$)/.exec(line);
  if (ordered) return `${ordered[1]}\\${line.slice(ordered[1]?.length ?? 0)}`;
  return line;
}

/** A link destination: bare when it can be, in <...> when it holds spaces or parentheses (as the Markdown export writes it). */
function destination(url: string): string {
  if (!/[\s()<>]/.test(url)) return url.replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\');
  return `<${url.replace(/</g, '%3C').replace(/>/g, '%3E').replace(/[\r\n]+/g, ' ').replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\')}>`;
}

function codeSpan(text: string): string {
  const code = text.replace(/\r\n?|\n/g, ' ');
  if (!code) return '';
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = code.startsWith('`') || code.endsWith('`') || (code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${code}${pad}${fence}`;
}

function isAsciiSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\f';
}

// By hand: a regex trimming both ends backtracks quadratically on long runs of inner spaces.
function trimBounds(text: string): [number, number] {
  let start = 0;
  let end = text.length;
  while (start < end && isAsciiSpace(text[start])) start += 1;
  while (end > start && isAsciiSpace(text[end - 1])) end -= 1;
  return [start, end];
}

/** Trims ASCII whitespace only: the no-break spaces of French typography are text. */
function trimAscii(text: string): string {
  const [start, end] = trimBounds(text);
  return text.slice(start, end);
}

// Emphasis markers hug the text: "** bold **" would not be emphasis.
function wrap(marker: string, inner: string): string {
  const [start, end] = trimBounds(inner);
  if (start === end) return inner;
  return `${inner.slice(0, start)}${marker}${inner.slice(start, end)}${marker}${inner.slice(end)}`;
}

// Two pieces of inline Markdown, with one space where HTML would have shown one.
function joinInline(left: string, right: string): string {
  if (right.startsWith(' ') && (left === '' || left.endsWith(' ') || left.endsWith('\n'))) return left + right.slice(1);
  return left + right;
}

type Block = { markdown: string; list: boolean };

// Nodes a conversion leaves out: the link and the child lists of an item, when its commentary is written.
type Skip = ReadonlySet<AnyNode>;
const NOTHING: Skip = new Set();

class MarkdownWriter {
  constructor(private readonly base: string | undefined) {}

  /** Flattens the document into headings, lists of links and Markdown blocks, in order. */
  walk(nodes: ChildNode[], context: { free: boolean; region?: Region }, out: Entry[]): void {
    let run: ChildNode[] = [];
    const flush = () => {
      const markdown = this.paragraph(run);
      if (markdown) out.push({ kind: 'content', markdown, region: context.region });
      run = [];
    };
    for (const node of nodes) {
      if (!isBlock(node)) {
        run.push(node);
        continue;
      }
      flush();
      const level = HEADING_LEVELS[node.name];
      if (level !== undefined) {
        const text = collapseSpaces(textOf(node));
        if (text) out.push({ kind: 'heading', level, text, free: context.free, region: context.region });
      } else if (node.name === 'ul' || node.name === 'ol') {
        out.push(this.listEntry(node, context.region));
      } else if (CONTAINERS.has(node.name)) {
        const names = classes(node);
        const next = { ...context };
        // The app's own HTML says what each part is (editionBodyHtml): no guessing needed there.
        if (names.includes('edition-free')) next.free = true;
        if (names.includes('edition-section')) next.free = false;
        if (names.includes('edition-intro')) next.region = 'intro';
        if (names.includes('edition-outro')) next.region = 'outro';
        this.walk(node.children, next, out);
      } else {
        for (const block of this.block(node)) out.push({ kind: 'content', markdown: block.markdown, region: context.region });
      }
    }
    flush();
  }

  private listEntry(list: Element, region: Region | undefined): Entry {
    const items = this.listItems(list);
    const markdown = this.list(list, NOTHING);
    const withLink = items.filter((item) => item.problem !== NOT_A_LINK).length;
    return isLinkList(withLink, items.length) ? { kind: 'links', items, markdown, region } : { kind: 'content', markdown, region };
  }

  private listItems(list: Element): RawItem[] {
    return list.children.filter((node): node is Element => isElement(node) && node.name === 'li').map((item) => this.linkItem(item));
  }

  /** Reads <li><a href>title</a> : commentary <ul>children</ul></li> (the link may sit in a <p> or <strong>). */
  private linkItem(item: Element): RawItem {
    const text = collapseSpaces(textOf(item));
    const anchor = leadingAnchor(item);
    if (!anchor) return { title: '', url: '', problem: NOT_A_LINK, commentary: '', children: [], text };
    const children: RawItem[] = [];
    const skip = new Set<AnyNode>([anchor]);
    for (const node of item.children) {
      if (!isElement(node) || (node.name !== 'ul' && node.name !== 'ol')) continue;
      const nested = this.listItems(node);
      if (isLinkList(nested.filter((child) => child.problem !== NOT_A_LINK).length, nested.length)) {
        children.push(...nested);
        skip.add(node);
      }
    }
    const href = anchor.attribs.href ?? '';
    const checked = usableUrl(href, this.base);
    const title = collapseSpaces(textOf(anchor)) || collapseSpaces(DomUtils.findOne((node) => node.name === 'img', anchor.children)?.attribs.alt ?? '');
    if ('problem' in checked) return { title, url: href, problem: checked.problem, commentary: '', children, text };
    const commentary = this.joinBlocks(this.blocks(item.children, skip))
      .replace(/^(?::|\\?[—–-](?=\s|$))\s*/, '')
      .trim();
    return { title: title || checked.url, url: checked.url, problem: null, commentary, children, text };
  }

  private joinBlocks(blocks: Block[]): string {
    return blocks.reduce((joined, block, index) => {
      if (index === 0) return block.markdown;
      const previous = blocks[index - 1] as Block;
      return `${joined}${block.list && !previous.list ? '\n' : '\n\n'}${block.markdown}`;
    }, '');
  }

  /** Markdown blocks for a run of nodes: inline runs become paragraphs. */
  private blocks(nodes: ChildNode[], skip: Skip = NOTHING): Block[] {
    const result: Block[] = [];
    let run: ChildNode[] = [];
    const flush = () => {
      const markdown = this.paragraph(run, skip);
      if (markdown) result.push({ markdown, list: false });
      run = [];
    };
    for (const node of nodes) {
      if (skip.has(node)) continue;
      if (isBlock(node)) {
        flush();
        result.push(...this.block(node, skip));
      } else {
        run.push(node);
      }
    }
    flush();
    return result;
  }

  private block(element: Element, skip: Skip = NOTHING): Block[] {
    const name = element.name;
    const level = HEADING_LEVELS[name];
    if (level !== undefined) {
      // The app renders an editor's "#" as <h3>: the inverse keeps headings where they were.
      const text = collapseSpaces(this.inline(element.children, true, skip));
      return text ? [{ markdown: `${'#'.repeat(Math.max(1, level - 2))} ${text}`, list: false }] : [];
    }
    switch (name) {
      case 'p':
      case 'address':
      case 'figcaption':
      case 'dt':
      case 'summary':
      case 'caption': {
        const markdown = this.paragraph(element.children, skip);
        return markdown ? [{ markdown, list: false }] : [];
      }
      case 'ul':
      case 'ol': {
        const markdown = this.list(element, skip);
        return markdown ? [{ markdown, list: true }] : [];
      }
      case 'pre':
        return [{ markdown: fencedCode(element), list: false }];
      case 'blockquote': {
        const inner = this.joinBlocks(this.blocks(element.children, skip));
        return inner ? [{ markdown: inner.split('\n').map((line) => (line ? `> ${line}` : '>')).join('\n'), list: false }] : [];
      }
      case 'hr':
        return [{ markdown: '---', list: false }];
      case 'table': {
        const markdown = this.table(element, skip);
        return markdown ? [{ markdown, list: false }] : [];
      }
      default:
        return this.blocks(element.children, skip);
    }
  }

  private paragraph(nodes: ChildNode[], skip: Skip = NOTHING): string {
    const markdown = this.inline(nodes, false, skip);
    return markdown
      .split('\n')
      .map((line) => escapeLineStart(trimAscii(line)))
      .join('\n')
      .trim();
  }

  private list(list: Element, skip: Skip): string {
    const ordered = list.name === 'ol';
    let number = Number.parseInt(list.attribs.start ?? '1', 10);
    if (!Number.isFinite(number) || number < 0) number = 1;
    const lines: string[] = [];
    for (const node of list.children) {
      if (skip.has(node)) continue;
      if (!isElement(node)) {
        if (DomUtils.isText(node) && trimAscii(node.data)) lines.push(`* ${escapeText(collapseSpaces(node.data))}`);
        continue;
      }
      const marker = ordered ? `${number}.` : '*';
      number += 1;
      const content = this.joinBlocks(this.blocks(node.name === 'li' ? node.children : [node], skip));
      const indent = ' '.repeat(marker.length + 1);
      lines.push(content ? `${marker} ${content.split('\n').map((line, index) => (index === 0 || !line ? line : indent + line)).join('\n')}` : marker);
    }
    return lines.join('\n');
  }

  private table(table: Element, skip: Skip): string {
    // Rows of this table only (directly or in its thead/tbody/tfoot), not of a table nested in a cell.
    const groups = [table, ...table.children.filter((node): node is Element => isElement(node) && ['thead', 'tbody', 'tfoot'].includes(node.name))];
    const rows = groups.flatMap((group) => group.children.filter((node): node is Element => isElement(node) && node.name === 'tr'));
    const cells = rows.map((row) => row.children.filter((cell): cell is Element => isElement(cell) && (cell.name === 'td' || cell.name === 'th')).map((cell) => collapseSpaces(this.inline(cell.children, true, skip)).replace(/\|/g, '\\|')));
    const width = Math.max(0, ...cells.map((row) => row.length));
    if (width === 0) return '';
    const line = (row: string[]) => `| ${Array.from({ length: width }, (_, index) => row[index] ?? '').join(' | ')} |`;
    const [header = [], ...body] = cells;
    return [line(header), `| ${Array.from({ length: width }, () => '---').join(' | ')} |`, ...body.map(line)].join('\n');
  }

  /** Inline Markdown of some nodes; `flat` turns line breaks into spaces (headings, table cells). */
  private inline(nodes: ChildNode[], flat: boolean, skip: Skip = NOTHING): string {
    let out = '';
    for (const node of nodes) {
      if (skip.has(node)) continue;
      out = joinInline(out, this.inlineNode(node, flat, skip));
    }
    return out;
  }

  private inlineNode(node: ChildNode, flat: boolean, skip: Skip): string {
    if (DomUtils.isText(node)) return escapeText(node.data.replace(/[ \t\n\r\f]+/g, ' '));
    if (!isElement(node)) return '';
    switch (node.name) {
      case 'br':
        return flat ? ' ' : '\\\n';
      case 'img':
        return this.image(node);
      case 'a':
        return this.link(node, flat, skip);
      case 'strong':
      case 'b':
        return wrap('**', this.inline(node.children, flat, skip));
      case 'em':
      case 'i':
      case 'cite':
        return wrap('*', this.inline(node.children, flat, skip));
      case 'del':
      case 's':
      case 'strike':
        return wrap('~~', this.inline(node.children, flat, skip));
      case 'code':
      case 'kbd':
      case 'samp':
      case 'tt':
        return codeSpan(textOf(node));
      default: {
        const inner = this.inline(node.children, flat, skip);
        // A block inside inline content (<a><div>...</div></a>) still separates words.
        return BLOCKS.has(node.name) ? ` ${inner} ` : inner;
      }
    }
  }

  private image(image: Element): string {
    const checked = usableUrl(image.attribs.src ?? '', this.base);
    if ('problem' in checked || !/^https?:/i.test(checked.url)) return '';
    return `![${escapeText(collapseSpaces(image.attribs.alt ?? ''))}](${destination(checked.url)})`;
  }

  private link(anchor: Element, flat: boolean, skip: Skip): string {
    const inner = this.inline(anchor.children, flat, skip);
    const checked = usableUrl(anchor.attribs.href ?? '', this.base);
    if ('problem' in checked) return inner;
    const text = collapseSpaces(textOf(anchor));
    // An image that links to its larger version is just the image.
    if (!text && inner.includes('![')) return inner;
    // A bare URL that markdown-it's linkify turned into a link goes back to being a bare URL.
    if (text === checked.url && /^https?:\/\/[^\s<>]+$/.test(text)) return text;
    const label = trimAscii(inner) || escapeText(checked.url);
    return `[${label}](${destination(checked.url)})`;
  }
}

/** The <a href> an item opens with, directly or inside wrappers like <p> or <strong>. */
function leadingAnchor(item: Element): Element | undefined {
  let node = firstMeaningful(item.children);
  for (let depth = 0; node && depth < 8; depth += 1) {
    if (node.name === 'a') return node.attribs.href === undefined ? undefined : node;
    if (!LINK_WRAPPERS.has(node.name)) return undefined;
    node = firstMeaningful(node.children);
  }
  return undefined;
}

function firstMeaningful(nodes: ChildNode[]): Element | undefined {
  for (const node of nodes) {
    if (DomUtils.isText(node)) {
      if (trimAscii(node.data)) return undefined;
      continue;
    }
    if (isElement(node)) return node;
  }
  return undefined;
}

function fencedCode(pre: Element): string {
  const code = pre.children.find((node): node is Element => isElement(node) && node.name === 'code');
  const classNames = `${code?.attribs.class ?? ''} ${pre.attribs.class ?? ''}`;
  const language = /(?:^|\s)(?:language|lang)-([A-Za-z0-9_+#.-]{1,40})/.exec(classNames)?.[1] ?? '';
  const content = textOf(pre).replace(/\r\n?/g, '\n').replace(/\n$/, '');
  const longest = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}
