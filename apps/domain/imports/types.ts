// What the edition importers produce, and the helpers both of them share: options, dates and
// periods, URL checks, and the rules that turn a document's sections into categories, free
// sections, an intro and an outro. Pure functions, no I/O.
import { MARKDOWN_MARKERS } from '../editions/edition-markdown.ts';
import { isSafeUrl } from '../platform/html.ts';
import { isTimeZone, parsePeriod, periodOf, wallClockToInstant, type Cadence } from '../editions/periods.ts';

export type ImportedLink = { title: string; url: string; commentary: string /* Markdown */; children: ImportedLink[] };

/** A category's section: its links, the text before and after them, and whether it is shown without links. */
export type ImportedCategory = { kind: 'category'; name: string; intro: string; outro: string; keepEmpty: boolean; links: ImportedLink[] };

/** A section of text alone, in its place among the others. */
export type ImportedText = { kind: 'text'; heading: string; body: string };

export type ImportedBlock = ImportedCategory | ImportedText;

export type ImportedEdition = {
  /** File name inside the archive, or the feed item's link/guid. */
  source: string;
  title: string;
  /** 'YYYY-MM' or 'YYYY-Www': the front matter's `period`, else derived from the date. */
  period: string | null;
  /** Publication date (front matter `date`, feed pubDate/published/updated). */
  date: Date | null;
  tags: string[];
  /** Markdown. */
  intro: string;
  /** Markdown. */
  outro: string;
  /** The sections in the document's order, empty ones kept; texts are Markdown. */
  blocks: ImportedBlock[];
  /** Non-fatal problems, e.g. "Section “X”, item 3 has no URL: skipped". */
  warnings: string[];
};

/** Why a file or a feed item could not be imported; reason is a sentence meant for the editor. */
export type ParseFailure = { source: string; reason: string };

export type ImportOptions = { cadence?: Cadence; timeZone?: string };

export type MarkdownParseResult = { edition: ImportedEdition } | { failure: ParseFailure };

export type FeedParseResult = { editions: ImportedEdition[]; skipped: ParseFailure[] } | { failure: ParseFailure };

/** Thrown inside the parsers to stop with a reason; the public entry points turn it into a failure. */
export class ImportError extends Error {}

/** Stops the current parse with a reason for the editor. */
export function fail(reason: string): never {
  throw new ImportError(reason);
}

/** The reason to give for any error escaping a parser, expected or not. */
export function failureReason(error: unknown, what: string): string {
  if (error instanceof ImportError) return error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return `The ${what} is nested too deeply to be read.`;
  return `The ${what} could not be read (${error instanceof Error ? error.message : String(error)}).`;
}

export type ResolvedOptions = { cadence: Cadence; timeZone: string };

/** Defaults (monthly, Europe/Paris) and checks for the options; fails on an unknown cadence or time zone. */
export function resolveOptions(options: ImportOptions | undefined): ResolvedOptions {
  const cadence = options?.cadence ?? 'monthly';
  const timeZone = options?.timeZone ?? 'Europe/Paris';
  if (cadence !== 'monthly' && cadence !== 'weekly') fail(`Unknown cadence “${String(cadence)}”: expected monthly or weekly.`);
  if (!isTimeZone(timeZone)) fail(`Unknown time zone “${String(timeZone)}”.`);
  return { cadence, timeZone };
}

// --- Text helpers ---------------------------------------------------------------------------

/** Collapses runs of ASCII whitespace (not the no-break spaces of French typography) and trims. */
export function collapseSpaces(text: string): string {
  return text.replace(/[ \t\n\r\f\v]+/g, ' ').trim();
}

/** A short quotation of some text for a warning: one line, at most 60 characters. */
export function preview(text: string, length = 60): string {
  const line = collapseSpaces(text);
  const chars = Array.from(line);
  return chars.length <= length ? line : `${chars.slice(0, length - 1).join('')}…`;
}

/** True when the text holds NUL bytes or many control or replacement characters: binary data, not text. */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  // eslint-disable-next-line no-control-regex
  const suspicious = text.match(/[\u0001-\u0008\u000E-\u001F\uFFFD]/g)?.length ?? 0;
  return suspicious > 8 && suspicious > text.length / 100;
}

/** True when the text is a JSON document (an object or an array). */
export function looksLikeJson(text: string): boolean {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// --- URLs -----------------------------------------------------------------------------------

/**
 * The URL a link may keep, or why it cannot: only http, https and mailto are usable, as in the
 * renderers. Relative URLs are resolved against `base` when there is one; `//host/...` gets https.
 */
export function usableUrl(raw: string, base?: string): { url: string } | { problem: string } {
  const url = raw.trim();
  if (!url) return { problem: 'has an empty URL' };
  let candidate = url.startsWith('//') ? `https:${url}` : url;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(candidate) && base) {
    try {
      candidate = new URL(candidate, base).href;
    } catch {
      // Left as it is: the check below reports it.
    }
  }
  // Checked after resolving: "java\tscript:" only becomes "javascript:" once a URL parser has seen it.
  if (isSafeUrl(candidate)) return { url: candidate };
  return { problem: `has no usable URL (“${preview(url, 40)}”)` };
}

// --- Dates and periods ----------------------------------------------------------------------

/** A publication date; `day` is set when the source gave a calendar day without a time zone. */
export type DateValue = { instant: Date; day?: { year: number; month: number; day: number } };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?[ \t]*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a date as found in front matter or feeds: 'YYYY-MM-DD' (that calendar day, dated at noon
 * in the time zone so neither UTC nor the zone moves it to another day), ISO 8601 date-times with
 * or without an offset (without: wall-clock time in the zone), RFC 822 (RSS). Undefined otherwise.
 */
export function parseDateText(text: string, timeZone: string): DateValue | undefined {
  const value = text.trim();
  if (!value || value.length > 64) return undefined;
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    if (!validDay(year, month, day)) return undefined;
    return { instant: new Date(wallClockToInstant(Date.UTC(year, month - 1, day, 12), timeZone)), day: { year, month, day } };
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) => Number(dateTime[index] ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
    const millis = Math.floor(Number(`0.${dateTime[7] ?? '0'}`) * 1000);
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
    const zone = dateTime[8];
    if (!zone) return { instant: new Date(wallClockToInstant(wall, timeZone)), day: { year, month, day } };
    if (zone === 'Z' || zone === 'z') return { instant: new Date(wall) };
    const digits = zone.replace(':', '');
    const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0)) * 60_000 * (digits.startsWith('-') ? -1 : 1);
    return { instant: new Date(wall - offset) };
  }
  // RFC 822 and friends ("Sun, 30 Jun 2024 08:00:00 GMT"); a bare number is not a date.
  if (/^\d+$/.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  if (/\d:\d/.test(value)) return { instant: new Date(ms) };
  // "30 Jun 2024" has no time: Date.parse read it as midnight on the host's clock, which is only
  // good for telling the calendar day.
  const local = new Date(ms);
  return parseDateText(
    `${String(local.getFullYear()).padStart(4, '0')}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`,
    timeZone,
  );
}

/** The period a date falls in: its calendar day when it has one, else the wall clock of the time zone. */
export function periodOfDate(date: DateValue, options: ResolvedOptions): string {
  if (date.day) return periodOf(new Date(Date.UTC(date.day.year, date.day.month - 1, date.day.day, 12)), options.cadence, 'UTC');
  return periodOf(date.instant, options.cadence, options.timeZone);
}

/** True when the value is a period key parsePeriod accepts. */
export function isPeriod(value: string): boolean {
  return parsePeriod(value) !== undefined;
}

/** Tags trimmed, empty ones dropped, duplicates (ignoring case) dropped, order kept. */
export function cleanTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const tag of tags) {
    const clean = collapseSpaces(tag);
    const key = clean.toLowerCase();
    if (!clean || seen.has(key)) continue;
    seen.add(key);
    result.push(clean);
  }
  return result;
}

// --- Sections -------------------------------------------------------------------------------

/** The problem of a list item that does not start with a link (a list of such items is not a list of links). */
export const NOT_A_LINK = 'has no URL';

/** A list item as read from the document; `problem` says why it cannot be imported (then it is skipped). */
export type RawItem = { title: string; url: string; problem: string | null; commentary: string; children: RawItem[]; text: string };

/** A top-level block of a section: a list of links, or anything else. */
export type RawBlock = { kind: 'links'; items: RawItem[] } | { kind: 'content' };

export type RawSection = {
  heading: string;
  blocks: RawBlock[];
  /** The document says this is a free section (the app's own HTML marks them). */
  free?: boolean;
  /** The document says this section is shown without links on purpose (the app's own HTML marks them). */
  keepEmpty?: boolean;
  /** Markdown of blocks [from, to): the whole section when from = 0 and to = blocks.length. */
  text(from: number, to: number): string;
};

export type RawBody = {
  intro: string;
  sections: RawSection[];
  /** An outro the document marks as such; undefined when it has to be inferred. */
  outro?: string;
};

export type AssembledBody = Pick<ImportedEdition, 'intro' | 'outro' | 'blocks'>;

/** A list counts as a list of links when at least half of its items (and at least one) start with a link. */
export function isLinkList(itemsStartingWithLink: number, items: number): boolean {
  return itemsStartingWithLink > 0 && itemsStartingWithLink * 2 >= items;
}

/**
 * Which heading level starts sections: the shallowest level at which some heading is directly
 * followed by a list of links (before any other heading), so that a "# Sub-heading" inside a tip
 * of the month does not split the edition. Without such a level, h2 when used, else the shallowest.
 */
export function sectionLevel(entries: Array<{ kind: 'heading'; level: number } | { kind: 'links' | 'content' }>, maxLevel: number): number | undefined {
  const candidates = new Set<number>();
  const used = new Set<number>();
  let current: number | undefined;
  for (const entry of entries) {
    if (entry.kind === 'heading') {
      current = entry.level <= maxLevel ? entry.level : undefined;
      if (current !== undefined) used.add(current);
    } else if (entry.kind === 'links' && current !== undefined) {
      candidates.add(current);
    }
  }
  if (candidates.size > 0) return Math.min(...candidates);
  if (used.has(2)) return 2;
  return used.size > 0 ? Math.min(...used) : undefined;
}

function convertItems(items: RawItem[], section: string, prefix: string, warnings: string[]): ImportedLink[] {
  const links: ImportedLink[] = [];
  items.forEach((item, index) => {
    const path = prefix ? `${prefix}.${index + 1}` : String(index + 1);
    if (item.problem) {
      const nested = countItems(item.children);
      const alsoChildren = nested > 0 ? `, with its ${nested} sub-item${nested > 1 ? 's' : ''}` : '';
      warnings.push(`Section “${section}”, item ${path} ${item.problem}: skipped${alsoChildren} (“${preview(item.text)}”)`);
      return;
    }
    links.push({ title: item.title, url: item.url, commentary: item.commentary, children: convertItems(item.children, section, path, warnings) });
  });
  return links;
}

function countItems(items: RawItem[]): number {
  return items.reduce((total, item) => total + 1 + countItems(item.children), 0);
}

/**
 * Turns sections into blocks, in their order. Empty sections and sections made of lists of links
 * are category sections, text before the first list their intro and text after the last one their
 * outro; any other section is a text section. Text after the last section's list is the closing
 * words, unless a `<!-- closing -->` line says where those start. The markers of Veille's export
 * (MARKDOWN_MARKERS) say what the shape alone cannot: a section kept empty, a text section that
 * looks like links. Text between two lists of one section cannot be kept: it is left out with a
 * warning. Sections are kept as the document has them: the import's plan merges those naming one
 * category.
 */
export function assembleBody(raw: RawBody, warnings: string[]): AssembledBody {
  const blocks: ImportedBlock[] = [];
  let outro = raw.outro ?? '';
  let intro = raw.intro;
  const isMarker = (section: RawSection, position: number, marker: string) =>
    section.blocks[position]?.kind === 'content' && section.text(position, position + 1).trim() === marker;
  if (raw.sections.length === 0 && raw.outro === undefined) {
    const at = intro.split('\n').findIndex((line) => line.trim() === MARKDOWN_MARKERS.closing);
    if (at >= 0) {
      const lines = intro.split('\n');
      outro = lines
        .slice(at + 1)
        .join('\n')
        .trim();
      intro = lines.slice(0, at).join('\n').trim();
    }
  }
  raw.sections.forEach((section, index) => {
    const name = collapseSpaces(section.heading);
    const label = name || '(untitled)';
    if (!name) warnings.push(`A section heading is empty (section ${index + 1}).`);
    const lastSection = index === raw.sections.length - 1;
    // The closing words of a marked export: the rest of the last section.
    let end = section.blocks.length;
    if (lastSection && raw.outro === undefined) {
      const closing = section.blocks.findIndex((_block, position) => isMarker(section, position, MARKDOWN_MARKERS.closing));
      if (closing >= 0) {
        outro = section.text(closing + 1, section.blocks.length);
        end = closing;
      }
    }
    const text = (from: number, to: number) => (from >= to ? '' : section.text(from, to));
    if (isMarker(section, 0, MARKDOWN_MARKERS.text)) {
      blocks.push({ kind: 'text', heading: name, body: text(1, end) });
      return;
    }
    const lists = section.blocks.slice(0, end).flatMap((block, position) => (block.kind === 'links' ? [position] : []));
    const first = lists[0];
    const last = lists.at(-1);
    if (first === undefined || last === undefined) {
      const keep = section.blocks.slice(0, end).findIndex((_block, position) => isMarker(section, position, MARKDOWN_MARKERS.keepEmpty));
      const empty = keep >= 0 ? keep : section.blocks.slice(0, end).findIndex((_block, position) => isMarker(section, position, MARKDOWN_MARKERS.empty));
      if (empty >= 0) {
        blocks.push({ kind: 'category', name, intro: text(0, empty), outro: text(empty + 1, end), keepEmpty: keep >= 0, links: [] });
        return;
      }
      if (section.keepEmpty && !section.free) blocks.push({ kind: 'category', name, intro: text(0, end), outro: '', keepEmpty: true, links: [] });
      else if (section.free || end > 0) blocks.push({ kind: 'text', heading: name, body: text(0, end) });
      else blocks.push({ kind: 'category', name, intro: '', outro: '', keepEmpty: false, links: [] });
      return;
    }
    if (section.free) {
      blocks.push({ kind: 'text', heading: name, body: text(0, end) });
      return;
    }
    let run: number | undefined;
    for (let position = first; position <= last; position += 1) {
      const block = section.blocks[position];
      if (block?.kind === 'content') {
        run ??= position;
        continue;
      }
      if (run !== undefined) {
        warnings.push(`Section “${label}”: text between the lists of links was left out (“${preview(section.text(run, position))}”)`);
        run = undefined;
      }
    }
    const items = section.blocks.slice(0, end).flatMap((block) => (block.kind === 'links' ? block.items : []));
    const links = convertItems(items, label, '', warnings);
    let sectionOutro = text(last + 1, end);
    // Unmarked, as older archives have it: what follows the last list of the edition closes it.
    if (lastSection && raw.outro === undefined && end === section.blocks.length && sectionOutro) {
      outro = sectionOutro;
      sectionOutro = '';
    }
    blocks.push({ kind: 'category', name, intro: text(0, first), outro: sectionOutro, keepEmpty: false, links });
  });
  return { intro, outro, blocks };
}

/**
 * A warning for a code fence that is never closed: it runs to the end of the file, and the
 * sections after it are read as code. Fences are given as markdown-it gives them (line ranges).
 */
export function unclosedFence(tokens: Array<{ type: string; map: [number, number] | null }>, lines: string[]): string | undefined {
  const closer = /^\s*(?:`{3,}|~{3,})\s*$/;
  // Blank lines at the end are no part of any block.
  let end = lines.length;
  while (end > 0 && !lines[end - 1]!.trim()) end -= 1;
  const open = tokens.find(
    (token) => token.type === 'fence' && token.map && token.map[1] >= end && !(token.map[1] - 1 > token.map[0] && closer.test(lines[token.map[1] - 1] ?? '')),
  );
  return open?.map
    ? `The code block opening on line ${open.map[0] + 1} after the front matter is never closed: everything after it was read as code.`
    : undefined;
}
