// The HTML of a feed item, parsed with what must never be read removed (scripts, styles, frames,
// forms, the subscribe boxes of newsletter platforms), and the sets of elements the conversion to
// Markdown tells apart. Nesting is bounded before parsing: deep markup is refused, not walked.
import type { AnyNode, ChildNode, Element } from 'domhandler';
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';
import { fail } from './types.ts';

// Never kept, never read: active content, embedded documents, forms and the document's head.
const DROPPED_TAGS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'noscript',
  'template',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'option',
  'svg',
  'math',
  'canvas',
  'video',
  'audio',
  'source',
  'track',
  'link',
  'meta',
  'base',
  'head',
  'title',
  'dialog',
]);
// Substack's subscribe boxes and buttons, and the zoom control of its images.
const DROPPED_CLASS = /^(?:subscription-widget.*|button-wrapper|image-link-expand|share-dialog)$/;

export const HEADING_LEVELS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };
export const CONTAINERS = new Set(['html', 'body', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'nav', 'center', 'hgroup']);
export const BLOCKS = new Set([
  ...CONTAINERS,
  'p',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'hr',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'picture',
]);
// What may wrap the link that opens an item: <li><p><a>, <li><strong><a>...
export const LINK_WRAPPERS = new Set(['p', 'strong', 'b', 'em', 'i', 'span', 'u', 'mark', 'small', 'div']);

/** True for an element (not text, a comment or a directive). */
export function isElement(node: AnyNode): node is Element {
  return DomUtils.isTag(node);
}

/** True for an element that starts a block of its own. */
export function isBlock(node: AnyNode): node is Element {
  return isElement(node) && BLOCKS.has(node.name);
}

/** The names in an element's class attribute. */
export function classes(element: Element): string[] {
  return (element.attribs.class ?? '').split(/\s+/).filter(Boolean);
}

// htmlparser2 keeps its stack of open elements with Array.unshift: parsing n nested elements
// costs n² (15 s for a megabyte of "<a>"), and walking them would exhaust the call stack. Real
// content is a few dozen elements deep at most.
export const MAX_DEPTH = 1000;
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
// Elements HTML closes implicitly (<p><p>, <li><li>): not counted, so sloppy HTML is not taken for deep HTML.
const SELF_ENDING = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);

/** A linear estimate of the markup's nesting, only to refuse what the parser would choke on. */
export function nestingDeeperThan(markup: string, limit: number, html: boolean): boolean {
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
export function parseHtml(html: string): ChildNode[] {
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
export function textOf(nodes: AnyNode | AnyNode[]): string {
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

/** The text of some HTML, what must never be read left out. */
export function textOfHtml(html: string): string {
  return textOf(parseHtml(html));
}
