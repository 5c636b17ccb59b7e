import type { HLJSApi } from 'highlight.js';
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { lazyModule } from './lazy-module.ts';

// Some 6 MB of grammars, needed only when a code block names its language.
const highlighter = lazyModule<HLJSApi>('highlight.js');

// A fence's info string is editor text that ends up in a class attribute: only a plain language
// name is kept, so quotes or spaces can never break out of it.
const LANGUAGE_NAME = /^[A-Za-z0-9_+#.-]{1,40}$/;

// Only absolute http(s) images are kept: relative ones break in email, and the other schemes
// (data:, javascript:) are the classic vectors.
const ABSOLUTE_HTTP = /^https?:\/\//i;

const md = new MarkdownIt({
  // Raw HTML in Markdown is shown as text; the sanitiser below is the second line, not the first.
  html: false,
  linkify: true,
  typographer: false,
  breaks: false,
  highlight: highlightFence,
});

// Editions own h1 and h2 (edition title, category sections), so an editor's "#" starts at h3.
md.core.ruler.push('shift_headings', (state) => {
  for (const token of state.tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close') {
      const level = Number(token.tag.slice(1));
      token.tag = `h${Math.min(level + 2, 6)}`;
    }
  }
});

function highlightFence(code: string, info: string): string {
  const language = LANGUAGE_NAME.test(info) ? info.toLowerCase() : '';
  const className = language ? `hljs language-${language}` : 'hljs';
  const hljs = language ? highlighter() : undefined;
  const body = hljs?.getLanguage(language) ? hljs.highlight(code, { language, ignoreIllegals: true }).value : md.utils.escapeHtml(code);
  // Returning the whole <pre> tells markdown-it not to wrap it a second time.
  return `<pre><code class="${className}">${body}</code></pre>`;
}

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'b',
    'i',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'del',
    'span',
    'img',
  ],
  allowedAttributes: {
    // rel is listed because transformTags runs before the attribute filter.
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    // "3. item" renders <ol start="3">: without it a numbered list restarts at 1.
    ol: ['start'],
    pre: ['tabindex'],
  },
  // Listing classes also allows the class attribute on these tags, and nothing but these classes.
  allowedClasses: {
    code: ['hljs', 'language-*'],
    span: ['hljs-*'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // markdown-it writes ~~strike~~ as <s>; one tag for it keeps the allowlist short.
    s: 'del',
    // Editors link to sites we do not vouch for: no referrer, no window.opener, no SEO endorsement.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
    // A long code line scrolls its block sideways: the block takes the focus so that a keyboard scrolls it too.
    pre: (tagName) => ({ tagName, attribs: { tabindex: '0' } }),
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      return { tagName, attribs: src !== undefined && ABSOLUTE_HTTP.test(src.trim()) ? { src, ...rest } : rest };
    },
  },
  // An image whose source was refused is dropped rather than left as an empty box.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

/** Renders editor Markdown to safe HTML (block level: paragraphs, lists, code blocks, headings h3-h6, blockquotes, tables). */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), SANITIZE_OPTIONS);
}

/** Renders a one-paragraph commentary inline (no wrapping <p>), for "Title : commentary" list items. */
export function renderMarkdownInline(source: string): string {
  return sanitizeHtml(md.renderInline(source), SANITIZE_OPTIONS);
}

/** Plain text of Markdown (for search snippets, email preheaders, meta descriptions). */
export function markdownToText(source: string, maxLength?: number): string {
  const parts: string[] = [];
  collectText(md.parse(source, {}), parts);
  // Runs of whitespace become one space, except the no-break spaces of French typography ("Titre : ...").
  const text = parts
    .join('')
    .replace(/[^\S\u00a0\u202f]+/g, ' ')
    .trim();
  return maxLength === undefined ? text : truncateAtWord(text, maxLength);
}

function collectText(tokens: Token[], parts: string[]): void {
  for (const token of tokens) {
    // Inline containers and images carry their text (an image's alt) as children.
    if (token.children) collectText(token.children, parts);
    else if (token.type === 'text' || token.type === 'code_inline') parts.push(token.content);
    else if (token.type === 'fence' || token.type === 'code_block') parts.push(' ', token.content, ' ');
    // Without a separator, "## Title" followed by a paragraph would glue the last and first words.
    else if (token.type === 'softbreak' || token.type === 'hardbreak' || (token.block && token.nesting === -1)) parts.push(' ');
  }
}

function truncateAtWord(text: string, maxLength: number): string {
  // Code points, not UTF-16 units, so an emoji or accented letter is never cut in half.
  const chars = Array.from(text);
  if (chars.length <= maxLength) return text;
  if (maxLength < 1) return '';
  const head = chars.slice(0, maxLength - 1).join('');
  const cutsBetweenWords = chars[maxLength - 1] === ' ';
  const lastSpace = head.lastIndexOf(' ');
  // A single word longer than the limit is cut inside the word rather than leaving nothing.
  const cut = cutsBetweenWords ? head : lastSpace > 0 ? head.slice(0, lastSpace) : head;
  const trimmed = cut.replace(/[\s,;:.!?([{-]+$/u, '');
  return `${trimmed || cut}…`;
}
