// Writing text as Markdown that reads back as the same text: escaping only what could mean
// something, code spans, link destinations, emphasis that hugs its words.

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Escapes text so Markdown reads it back as the same text, without escaping what cannot mean anything. */
export function escapeText(text: string): string {
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
export function escapeLineStart(line: string): string {
  if (/^#{1,6}(?:\s|$)/.test(line) || line.startsWith('>')) return `\\${line}`;
  if (/^[-+](?:\s|$)/.test(line) || /^[-=]+\s*$/.test(line)) return `\\${line}`;
  const ordered = /^(\d{1,9})([.)])(?=\s|$)/.exec(line);
  if (ordered) return `${ordered[1]}\\${line.slice(ordered[1]?.length ?? 0)}`;
  return line;
}

/** A link destination: bare when it can be, in <...> when it holds spaces or parentheses (as the Markdown export writes it). */
export function destination(url: string): string {
  if (!/[\s()<>]/.test(url)) return url.replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\');
  return `<${url
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E')
    .replace(/[\r\n]+/g, ' ')
    .replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\')}>`;
}

/** A code span whose fence is longer than any run of backticks inside it. */
export function codeSpan(text: string): string {
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
export function trimAscii(text: string): string {
  const [start, end] = trimBounds(text);
  return text.slice(start, end);
}

/** Wraps inline Markdown in an emphasis marker that hugs the text: "** bold **" would not be emphasis. */
export function wrap(marker: string, inner: string): string {
  const [start, end] = trimBounds(inner);
  if (start === end) return inner;
  return `${inner.slice(0, start)}${marker}${inner.slice(start, end)}${marker}${inner.slice(end)}`;
}

/** Two pieces of inline Markdown, with one space where HTML would have shown one. */
export function joinInline(left: string, right: string): string {
  if (right.startsWith(' ') && (left === '' || left.endsWith(' ') || left.endsWith('\n'))) return left + right.slice(1);
  return left + right;
}
