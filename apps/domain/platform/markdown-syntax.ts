// CommonMark's inline syntax, read and written by hand: brackets, link destinations and backslash
// escapes for the importer, and what the Markdown export needs to write text a static-site
// generator will not turn into HTML or a script link. Zola, Hugo (with unsafe HTML on) and Jekyll
// pass raw HTML through and follow any link scheme, where Veille shows raw HTML as text and keeps
// only http, https and mailto links: the export writes what reads the same in both.
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { decodeHTML } from 'entities';
import { allowedUrl } from './html.ts';

const ESCAPABLE = /\\([!-/:-@[-`{-~])/g;

/** Removes CommonMark backslash escapes: "\[x\]" is "[x]". */
export function unescapeMarkdown(text: string): string {
  return text.replace(ESCAPABLE, '$1');
}

/** The index of the "]" closing the "[" at `open`, with backslash escapes and nested brackets. */
export function closingBracket(text: string, open: number): number | undefined {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === '[') depth += 1;
    else if (char === ']') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return undefined;
}

/** Parses `url "title")` after "(": an <angle-bracketed> or a bare destination, an optional title. */
export function inlineDestination(text: string, start: number): { url: string; end: number } | undefined {
  let index = skipSpace(text, start);
  let url = '';
  if (text[index] === '<') {
    let cursor = index + 1;
    while (cursor < text.length && text[cursor] !== '>') {
      if (text[cursor] === '\n' || text[cursor] === '<') return undefined;
      if (text[cursor] === '\\') cursor += 1;
      cursor += 1;
    }
    if (text[cursor] !== '>') return undefined;
    url = text.slice(index + 1, cursor);
    index = cursor + 1;
  } else {
    let cursor = index;
    let depth = 0;
    while (cursor < text.length) {
      const char = text[cursor] as string;
      if (char === '\\' && cursor + 1 < text.length) {
        cursor += 2;
        continue;
      }
      if (char <= ' ' || char === '\u007f') break;
      if (char === '(') depth += 1;
      else if (char === ')') {
        if (depth === 0) break;
        depth -= 1;
      }
      cursor += 1;
    }
    url = text.slice(index, cursor);
    index = cursor;
  }
  index = skipSpace(text, index);
  const quote = text[index];
  if (quote === '"' || quote === "'" || quote === '(') {
    const close = quote === '(' ? ')' : quote;
    let cursor = index + 1;
    while (cursor < text.length && text[cursor] !== close) cursor += text[cursor] === '\\' ? 2 : 1;
    if (cursor >= text.length) return undefined;
    index = skipSpace(text, cursor + 1);
  }
  if (text[index] !== ')') return undefined;
  return { url: unescapeMarkdown(url), end: index + 1 };
}

// Spaces, tabs and at most one line ending, as CommonMark allows inside a link.
function skipSpace(text: string, start: number): number {
  let index = start;
  let newlines = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '\n') {
      newlines += 1;
      if (newlines > 1) break;
    } else if (char !== ' ' && char !== '\t') break;
    index += 1;
  }
  return index;
}

// --- Writing --------------------------------------------------------------------------------

// Code blocks as Veille reads them (raw HTML is text there); only their lines are left alone.
const blockParser = new MarkdownIt({ html: false });
blockParser.core.ruler.enableOnly(['normalize', 'block']);

// What a generator that passes HTML through and follows every link makes of the text.
const permissive = new MarkdownIt({ html: true });
permissive.validateLink = () => true;

// A "<" that would open a tag, a closing tag, a comment, a declaration or an autolink.
const TAG_START = /[A-Za-z/!?]/;
const SAFE_AUTOLINK =
  /^<(?:(?:https?:\/\/|mailto:)[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/;
const REFERENCE_DEFINITION = /^( {0,3})\[((?:[^\]\\]|\\.)+)\]:[ \t]*(<[^>\n]*>|\S+)/;

/** Text as Markdown shows it literally: the characters that would make emphasis, code, links or HTML are escaped. */
export function escapeMarkdownText(text: string, options: { lineStart?: boolean } = {}): string {
  let escaped = text.replace(/[\\`*_[\]<>~]/g, '\\$&').replace(/&(?=#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)/g, '\\&');
  // At the start of a line, these would open a heading, a list, a block quote or a thematic break.
  if (options.lineStart) escaped = escaped.replace(/^([#+=-]|\d{1,9}(?=[.)]))/, (start) => (/^\d/.test(start) ? `${start}\\` : `\\${start}`));
  return escaped;
}

/** A heading's text for "## ...": one line, escaped, and a trailing "#" kept (it would close the heading). */
export function escapeMarkdownHeading(text: string): string {
  return escapeMarkdownText(text.replace(/\s+/g, ' ').trim()).replace(/(^|[ \t])(#+)$/, '$1\\$2');
}

function unsafeDestination(destination: string): boolean {
  return !allowedUrl(decodeHTML(destination));
}

/**
 * How Veille's renderer reads the lines: which are code (fenced or indented blocks), and which
 * runs of lines make one paragraph, heading or table row, the unit inline syntax works in.
 */
function lineStructure(lines: string[]): { code: Set<number>; groups: Map<number, number> } {
  const code = new Set<number>();
  // First line of a run -> the line after its last.
  const groups = new Map<number, number>();
  for (const token of blockParser.parse(lines.join('\n'), {})) {
    if (!token.map) continue;
    if (token.type === 'fence' || token.type === 'code_block') for (let line = token.map[0]; line < token.map[1]; line += 1) code.add(line);
    else if (token.type === 'inline' && token.map[1] - token.map[0] > 1) groups.set(token.map[0], token.map[1]);
  }
  return { code, groups };
}

/**
 * One run of text outside code blocks: code spans copied as they are, a "<" that would open HTML
 * escaped (safe autolinks kept), and a link or image whose destination has another scheme than
 * http, https or mailto replaced by its text.
 */
function inertInline(text: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\\' && /[!-/:-@[-`{-~]/.test(text[index + 1] ?? '')) {
      out += text.slice(index, index + 2);
      index += 2;
    } else if (char === '`') {
      let run = 1;
      while (text[index + run] === '`') run += 1;
      const close = closingBackticks(text, index + run, run);
      const end = close === undefined ? index + run : close + run;
      out += text.slice(index, end);
      index = end;
    } else if (char === '<') {
      const autolink = SAFE_AUTOLINK.exec(text.slice(index, index + 2100));
      if (autolink) {
        out += autolink[0];
        index += autolink[0].length;
      } else {
        out += TAG_START.test(text[index + 1] ?? '') ? '\\<' : '<';
        index += 1;
      }
    } else if (char === '[' || (char === '!' && text[index + 1] === '[')) {
      const open = char === '!' ? index + 1 : index;
      const close = closingBracket(text, open);
      const destination = close !== undefined && text[close + 1] === '(' ? inlineDestination(text, close + 2) : undefined;
      if (close === undefined || !destination) {
        out += text.slice(index, open + 1);
        index = open + 1;
        continue;
      }
      const label = inertInline(text.slice(open + 1, close));
      // A safe link keeps its destination exactly as written; an unsafe one becomes its text.
      out += unsafeDestination(destination.url) ? label : `${text.slice(index, open + 1)}${label}]${text.slice(close + 1, destination.end)}`;
      index = destination.end;
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}

// The start of the backtick string of exactly `length` backticks that closes a code span, if any.
function closingBackticks(text: string, from: number, length: number): number | undefined {
  for (let index = text.indexOf('`', from); index !== -1; index = text.indexOf('`', index)) {
    let run = 1;
    while (text[index + run] === '`') run += 1;
    if (run === length) return index;
    index += run;
  }
  return undefined;
}

/** True when a generator passing HTML through would find raw HTML, or a link or image to another scheme. */
function hasUnsafeMarkup(source: string): boolean {
  const walk = (tokens: Token[]): boolean =>
    tokens.some((token) => {
      if (token.type === 'html_block' || token.type === 'html_inline') return true;
      if (token.type === 'link_open' && !allowedUrl(String(token.attrGet('href') ?? ''))) return true;
      if (token.type === 'image' && !allowedUrl(String(token.attrGet('src') ?? ''), { image: true })) return true;
      return token.children ? walk(token.children) : false;
    });
  return walk(permissive.parse(source, {}));
}

// The last resort: every "<" (and, if links still slip past, every "[" and "]") outside code is escaped.
function escapeEverywhere(lines: string[], code: Set<number>, characters: RegExp): string {
  return lines.map((line, number) => (code.has(number) ? line : line.replace(characters, (match) => (match.length === 2 ? match : `\\${match}`)))).join('\n');
}

/**
 * Markdown made inert for a static-site generator, Veille's meaning kept: outside code, raw HTML is
 * escaped (Veille shows it as text anyway) and links or images to other schemes than http, https
 * and mailto keep only their text; everything else is written as it was. Give it the whole body
 * of a file, so that code and paragraphs are read in their real context. The result is checked
 * with a CommonMark parser that lets HTML through; should anything slip past, "<" and then "["
 * and "]" are escaped everywhere outside code.
 */
export function inertMarkdown(source: string): string {
  const lines = source.split(/\r\n?|\n/);
  const { code, groups } = lineStructure(lines);
  const out: string[] = [];
  for (let number = 0; number < lines.length;) {
    const line = lines[number]!;
    const groupEnd = groups.get(number);
    if (code.has(number) || line.trim() === '') {
      out.push(line);
      number += 1;
    } else if (groupEnd !== undefined) {
      out.push(inertInline(lines.slice(number, groupEnd).join('\n')));
      number = groupEnd;
    } else {
      const definition = REFERENCE_DEFINITION.exec(line);
      // A reference to another scheme is written as the text it is, "[x]: ..." escaped.
      if (definition && unsafeDestination(unescapeMarkdown(definition[3]!.replace(/^<|>$/g, ''))))
        out.push(`${definition[1]}\\${line.slice(definition[1]!.length)}`);
      else out.push(inertInline(line));
      number += 1;
    }
  }
  const written = out.join('\n');
  if (!hasUnsafeMarkup(written)) return written;
  const withoutHtml = escapeEverywhere(written.split('\n'), lineStructure(written.split('\n')).code, /\\[\s\S]|</g);
  if (!hasUnsafeMarkup(withoutHtml)) return withoutHtml;
  return escapeEverywhere(withoutHtml.split('\n'), lineStructure(withoutHtml.split('\n')).code, /\\[\s\S]|[<[\]]/g);
}
