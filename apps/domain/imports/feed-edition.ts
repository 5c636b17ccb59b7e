// Reads editions from an RSS 2.0 / RSS 1.0 / Atom feed: a blog's archive, Substack's feed or the
// app's own feeds. Each item's HTML is walked: headings start sections, lists whose items open
// with a link become categories of links, everything else is converted to Markdown (intro, free
// sections, outro, commentaries). Scripts, styles, frames and forms are dropped before anything
// is read, and only http(s)/mailto links survive.
import { decodeHTMLStrict } from 'entities';
import type { AnyNode, Element } from 'domhandler';
import { DomUtils, Parser, parseDocument } from 'htmlparser2';
import { escapeHtml } from '../platform/html.ts';
import { MAX_DEPTH, nestingDeeperThan, parseHtml, textOfHtml } from './feed-html.ts';
import { MarkdownWriter, type Entry } from './html-markdown.ts';
import { escapeText } from './markdown-escape.ts';
import {
  assembleBody,
  cleanTags,
  collapseSpaces,
  fail,
  failureReason,
  looksBinary,
  looksLikeJson,
  parseDateText,
  periodOfDate,
  resolveOptions,
  sectionLevel,
  type FeedParseResult,
  type ImportOptions,
  type ImportedEdition,
  type ParseFailure,
  type RawBlock,
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
  const link =
    childElements(item, 'link')
      .map((element) => collapseSpaces(xmlText(element)) || attribute(element, 'href'))
      .find(Boolean) ?? '';
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
  if (!body.blocks.some((block) => block.kind === 'category')) fail('This post has no section with a list of links: it does not look like an edition.');
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

/** The body of an item: intro, sections of links, free sections and outro, as Markdown. */
function readHtmlBody(html: string, title: string, base: string | undefined, warnings: string[]) {
  const converter = new MarkdownWriter(base);
  const entries: Entry[] = [];
  converter.walk(parseHtml(html), { free: false }, entries);

  // A first <h1> repeating the item's title is the page heading, not a section.
  const first = entries[0];
  if (first?.kind === 'heading' && first.level === 1 && first.text.toLowerCase() === title.toLowerCase()) entries.shift();

  const level = sectionLevel(
    entries.map((entry) => (entry.kind === 'heading' ? { kind: 'heading' as const, level: entry.level } : { kind: entry.kind })),
    4,
  );
  const intro: string[] = [];
  const outro: string[] = [];
  const sections: Array<{ heading: string; free: boolean; keepEmpty: boolean; entries: Array<Exclude<Entry, { kind: 'heading' }>> }> = [];
  for (const entry of entries) {
    const current = sections.at(-1);
    if (entry.kind === 'heading' && entry.level === level && !entry.region) {
      sections.push({ heading: entry.text, free: entry.free, keepEmpty: entry.keepEmpty === true, entries: [] });
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
    keepEmpty: section.keepEmpty,
    blocks: section.entries.map((entry): RawBlock => (entry.kind === 'links' ? { kind: 'links', items: entry.items } : { kind: 'content' })),
    text: (from, to) =>
      section.entries
        .slice(from, to)
        .map((entry) => entry.markdown)
        .join('\n\n'),
  }));
  // The app's own HTML marks its closing words: without the mark it has none.
  const closing = outro.length > 0 ? outro.join('\n\n') : converter.ownHtml ? '' : undefined;
  return assembleBody({ intro: intro.join('\n\n'), sections: rawSections, outro: closing }, warnings);
}
