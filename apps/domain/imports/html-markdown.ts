// The conversion of a feed item's HTML to Markdown: the document flattened into headings, lists
// of links (each item a title, a URL, a commentary and nested items) and Markdown blocks, in order.
import type { AnyNode, ChildNode, Element } from 'domhandler';
import { DomUtils } from 'htmlparser2';
import { BLOCKS, CONTAINERS, HEADING_LEVELS, LINK_WRAPPERS, classes, isBlock, isElement, textOf } from './feed-html.ts';
import { codeSpan, destination, escapeLineStart, escapeText, joinInline, trimAscii, wrap } from './markdown-escape.ts';
import { NOT_A_LINK, collapseSpaces, isLinkList, usableUrl, type RawItem } from './types.ts';

/** The part of an edition a block belongs to, when the app's own HTML says so. */
export type Region = 'intro' | 'outro';
/** One piece of a flattened item: a heading, a list of links (with its Markdown), or a Markdown block. */
export type Entry =
  | { kind: 'heading'; level: number; text: string; free: boolean; region?: Region; keepEmpty?: boolean }
  | { kind: 'links'; items: RawItem[]; markdown: string; region?: Region }
  | { kind: 'content'; markdown: string; region?: Region };

type Block = { markdown: string; list: boolean };

// Nodes a conversion leaves out: the link and the child lists of an item, when its commentary is written.
type Skip = ReadonlySet<AnyNode>;
const NOTHING: Skip = new Set();

/** Converts an item's HTML to Markdown, resolving relative links against the item's address. */
export class MarkdownWriter {
  constructor(private readonly base: string | undefined) {}

  /** Whether the item is the app's own HTML (editionBodyHtml): its closing words are then marked, never guessed. */
  ownHtml = false;

  /** Flattens the document into headings, lists of links and Markdown blocks, in order. */
  walk(nodes: ChildNode[], context: { free: boolean; region?: Region; keepEmpty?: boolean }, out: Entry[]): void {
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
        if (text) out.push({ kind: 'heading', level, text, free: context.free, region: context.region, ...(context.keepEmpty ? { keepEmpty: true } : {}) });
      } else if (node.name === 'ul' || node.name === 'ol') {
        out.push(this.listEntry(node, context.region));
      } else if (CONTAINERS.has(node.name)) {
        const names = classes(node);
        const next = { ...context };
        // The app's own HTML says what each part is (editionBodyHtml): no guessing needed there.
        if (names.includes('edition-free')) next.free = true;
        if (names.includes('edition-section')) {
          next.free = false;
          next.keepEmpty = names.includes('edition-kept-empty');
          this.ownHtml = true;
        }
        if (names.includes('edition-free')) this.ownHtml = true;
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
        return inner
          ? [
              {
                markdown: inner
                  .split('\n')
                  .map((line) => (line ? `> ${line}` : '>'))
                  .join('\n'),
                list: false,
              },
            ]
          : [];
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
      lines.push(
        content
          ? `${marker} ${content
              .split('\n')
              .map((line, index) => (index === 0 || !line ? line : indent + line))
              .join('\n')}`
          : marker,
      );
    }
    return lines.join('\n');
  }

  private table(table: Element, skip: Skip): string {
    // Rows of this table only (directly or in its thead/tbody/tfoot), not of a table nested in a cell.
    const groups = [table, ...table.children.filter((node): node is Element => isElement(node) && ['thead', 'tbody', 'tfoot'].includes(node.name))];
    const rows = groups.flatMap((group) => group.children.filter((node): node is Element => isElement(node) && node.name === 'tr'));
    const cells = rows.map((row) =>
      row.children
        .filter((cell): cell is Element => isElement(cell) && (cell.name === 'td' || cell.name === 'th'))
        .map((cell) => collapseSpaces(this.inline(cell.children, true, skip)).replace(/\|/g, '\\|')),
    );
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
