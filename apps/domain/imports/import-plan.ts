// The first stage of an import: reading a source (Markdown files, a feed, a Veille export) into a
// plan, the editions and everything else the import would create, with the problems met on the
// way. Nothing is written; the plan is what the dry run shows and what the run carries out.
import type { CategoriesService } from '../categories/categories-service.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import { periodStart } from '../editions/periods.ts';
import { EXPORT_JSON_NAME, readVeilleExport, type ExportLink, type VeilleExport } from '../exports/export-format.ts';
import type { LinkTree } from '../links/links-service.ts';
import { ValidationError } from '../platform/errors.ts';
import { stripControlCharacters } from '../platform/validation.ts';
import { parseFeed, parseMarkdownEdition, type ImportedEdition, type ImportedLink } from './edition-parse.ts';
import { readImportSource, type ImportSource, type SourceProblem, type SourceText } from './sources.ts';
import { checkVeilleExport } from './veille-export.ts';

/** A link as the import will write it, whatever the source: no creation date unless the source is an export. */
export type PlannedLink = LinkTree;

/** A category section as the import will write it (texts are Markdown). */
export type PlannedSection = { kind: 'category'; name: string | null; intro: string; outro: string; keepEmpty: boolean; links: PlannedLink[] };

/** A block as the import will write it: a category section, or a section of text alone. */
export type PlannedBlock = PlannedSection | { kind: 'text'; heading: string; body: string; id?: string };

/** The category sections of a planned edition, in order. */
export function plannedSections(edition: Pick<PlannedEdition, 'blocks'>): PlannedSection[] {
  return edition.blocks.filter((block): block is PlannedSection => block.kind === 'category');
}

export type PlannedEdition = {
  source: string;
  period: string;
  title: string;
  slug: string | null;
  tags: string[];
  intro: string;
  outro: string;
  /** The blocks in order; a category section of null name holds links of no category. Empty sections are kept. */
  blocks: PlannedBlock[];
  status: 'draft' | 'scheduled' | 'published';
  publishedAt: string | null;
  scheduledAt: string | null;
  correctedAt: string | null;
  warnings: string[];
};

export type ImportPlan = {
  source: string;
  editions: PlannedEdition[];
  /** What only a Veille export brings. */
  extra?: Pick<VeilleExport, 'settings' | 'categories' | 'inbox' | 'subscribers'>;
};

type Deps = {
  settings: Pick<SettingsService, 'get'>;
  categories: Pick<CategoriesService, 'match'>;
  allowPrivate: boolean;
};

// What one import may hold: its plan is kept (as JSON) between the dry run and the run.
const MAX_PLANNED_LINKS = 200_000;
const MAX_PLANNED_EDITIONS = 10_000;
/** Category names are at most this long (as on the categories page). */
const MAX_CATEGORY_NAME = 100;

/** How many links a list holds, nested items included. */
export function countLinks(links: PlannedLink[]): number {
  return links.reduce((sum, link) => sum + 1 + countLinks(link.children), 0);
}

/** Every link of an edition, nested items included, in reading order. */
export function allLinks(edition: PlannedEdition): PlannedLink[] {
  const out: PlannedLink[] = [];
  const walk = (links: PlannedLink[]) => {
    for (const link of links) {
      out.push(link);
      walk(link.children);
    }
  };
  for (const section of plannedSections(edition)) walk(section.links);
  return out;
}

/** The link of an export, as planned. */
export function fromExportLink(link: ExportLink): PlannedLink {
  return { ...link, children: link.children.map(fromExportLink) };
}

function fromImportedLink(link: ImportedLink): PlannedLink {
  return {
    url: link.url,
    title: link.title || null,
    commentary: link.commentary,
    via: null,
    tags: [],
    description: null,
    siteName: null,
    createdAt: null,
    children: link.children.map(fromImportedLink),
  };
}

function fromImported(edition: ImportedEdition & { period: string }, timeZone: string): PlannedEdition {
  const published = edition.date ?? periodStart(edition.period, timeZone);
  const warnings = [...edition.warnings];
  const categoryName = (heading: string) => {
    const name = stripControlCharacters(heading)
      .replace(/[\t\n]+/g, ' ')
      .trim();
    if (name.length <= MAX_CATEGORY_NAME) return name;
    // Cut between characters, never inside one (an emoji counts twice towards the limit).
    let cut = '';
    for (const char of name) {
      if (cut.length + char.length > MAX_CATEGORY_NAME) break;
      cut += char;
    }
    cut = cut.trim();
    warnings.push(`Section “${cut}…” has a name over ${MAX_CATEGORY_NAME} characters: it is cut there.`);
    return cut;
  };
  return {
    source: edition.source,
    period: edition.period,
    title: edition.title,
    slug: null,
    tags: edition.tags,
    intro: edition.intro,
    outro: edition.outro,
    blocks: edition.blocks.map((block): PlannedBlock =>
      block.kind === 'text' ? block : { ...block, name: categoryName(block.name) || null, links: block.links.map(fromImportedLink) },
    ),
    status: 'published',
    publishedAt: published.toISOString(),
    scheduledAt: null,
    correctedAt: null,
    warnings,
  };
}

/** A Veille export's JSON, or undefined with the reason added to `problems`. */
function parseExport(text: SourceText, problems: SourceProblem[]): VeilleExport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.text);
  } catch (error) {
    problems.push({ name: text.name, reason: `This is not valid JSON (${(error as Error).message}).` });
    return undefined;
  }
  const result = readVeilleExport(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    problems.push({
      name: text.name,
      reason: `This is not a Veille export this version can read: ${issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'unknown shape'}.`,
    });
    return undefined;
  }
  return result.data;
}

/** The editions and the rest of a Veille export, as planned; what breaks a rule is added to `problems`. */
function fromVeilleExport(
  exported: VeilleExport,
  file: string,
  problems: SourceProblem[],
): { editions: PlannedEdition[]; extra: NonNullable<ImportPlan['extra']> } {
  // Every value held to the forms' rules: what breaks one is left out and reported.
  const checked = checkVeilleExport(exported, file);
  problems.push(...checked.problems);
  const data = checked.data;
  const editions = data.editions.map((edition): PlannedEdition => ({
    source: `${file} (${edition.period})`,
    period: edition.period,
    title: edition.title,
    slug: edition.slug,
    tags: edition.tags,
    intro: edition.intro,
    outro: edition.outro,
    blocks: edition.blocks.map((block): PlannedBlock =>
      block.kind === 'text'
        ? // Its id too: anchors and the editor know the block by it.
          { kind: 'text', id: block.id, heading: block.heading, body: block.body }
        : {
            kind: 'category',
            name: block.category,
            intro: block.intro,
            outro: block.outro,
            keepEmpty: block.keepEmpty,
            links: block.links.map(fromExportLink),
          },
    ),
    // A scheduled edition would be published, and sent, by the next tick: it comes in as
    // a draft to schedule again, so that an import never sends anything.
    status: edition.status === 'scheduled' ? 'draft' : edition.status,
    publishedAt: edition.publishedAt,
    scheduledAt: null,
    correctedAt: edition.correctedAt,
    warnings: [
      ...(checked.warnings.get(edition.period) ?? []),
      ...(edition.status === 'scheduled' ? [`Was scheduled for ${edition.scheduledAt ?? 'later'}: imported as a draft, schedule it again.`] : []),
    ],
  }));
  return { editions, extra: { settings: data.settings, categories: data.categories, inbox: data.inbox, subscribers: data.subscribers } };
}

/** The editions of Markdown files and feeds, with a period each; the others are problems. */
function parseEditions(
  texts: SourceText[],
  options: { cadence: 'monthly' | 'weekly'; timeZone: string },
  problems: SourceProblem[],
): Array<ImportedEdition & { period: string }> {
  const parsed: Array<ImportedEdition & { period: string }> = [];
  for (const text of texts) {
    if (text.kind === 'markdown') {
      const result = parseMarkdownEdition(text.text, text.name, options);
      if ('failure' in result) problems.push({ name: result.failure.source, reason: result.failure.reason });
      else if (!result.edition.period) problems.push({ name: text.name, reason: 'Neither a period nor a date tells which edition this is.' });
      else parsed.push(result.edition as ImportedEdition & { period: string });
    } else if (text.kind === 'feed') {
      const result = parseFeed(text.text, text.name, options);
      if ('failure' in result) {
        problems.push({ name: result.failure.source, reason: result.failure.reason });
        continue;
      }
      for (const skipped of result.skipped) problems.push({ name: skipped.source, reason: skipped.reason });
      for (const edition of result.editions) {
        if (!edition.period) problems.push({ name: edition.source, reason: 'This item has no date: its edition cannot be placed.' });
        else parsed.push(edition as ImportedEdition & { period: string });
      }
    }
  }
  return parsed;
}

/**
 * Sections of one edition naming one category (by the categories' key: "Données" and "donnees")
 * become one, in the place of the first, with a warning: an edition shows a category once.
 */
async function mergeSections(editions: PlannedEdition[], categories: Deps['categories']): Promise<void> {
  const names = [...new Set(editions.flatMap((edition) => plannedSections(edition).flatMap((section) => (section.name ? [section.name] : []))))];
  const keys = new Map((await categories.match({ names })).map((match) => [match.name, match.key]));
  for (const edition of editions) {
    const byKey = new Map<string | null, PlannedSection>();
    const sections: PlannedBlock[] = [];
    for (const section of edition.blocks) {
      if (section.kind === 'text') {
        sections.push(section);
        continue;
      }
      const key = section.name ? keys.get(section.name)! : null;
      const first = byKey.get(key);
      if (!first) {
        byKey.set(key, section);
        sections.push(section);
        continue;
      }
      first.links.push(...section.links);
      // Its texts join the first one's, so that nothing it said is lost.
      first.intro = [first.intro, section.intro].filter(Boolean).join('\n\n');
      first.outro = [first.outro, section.outro].filter(Boolean).join('\n\n');
      first.keepEmpty ||= section.keepEmpty;
      edition.warnings.push(`Section “${section.name ?? 'Miscellaneous'}” appears more than once: its links and texts were merged into the first one.`);
    }
    edition.blocks = sections;
  }
}

/** Reads a source into a plan: the editions found, and the problems met on the way. */
export async function readPlan(source: ImportSource, { settings, categories, allowPrivate }: Deps): Promise<{ plan: ImportPlan; problems: SourceProblem[] }> {
  const loaded = await readImportSource(source, { allowPrivate });
  const problems = loaded.problems;
  // Name order, whatever order the archive stored its entries in: "the first file" is then the
  // one a person listing the folder sees first.
  const texts = [...loaded.texts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const current = await settings.get();
  const name = source.kind === 'path' ? source.path : source.kind === 'upload' ? source.filename : source.url;
  const found: PlannedEdition[] = [];
  let extra: ImportPlan['extra'];

  // A Veille export comes first: its Markdown copies of the same editions are then redundant.
  for (const text of texts.filter((entry) => entry.kind === 'veille-json')) {
    const data = parseExport(text, problems);
    if (!data) continue;
    if (extra) {
      problems.push({ name: text.name, reason: `Only one ${EXPORT_JSON_NAME} is read per import: this one was left out.` });
      continue;
    }
    const exported = fromVeilleExport(data, text.name, problems);
    extra = exported.extra;
    found.push(...exported.editions);
  }
  const fromExport = new Set(found.map((edition) => edition.period));
  for (const edition of parseEditions(texts, { cadence: current.cadence, timeZone: current.timeZone }, problems)) {
    // An export's own Markdown copies: the JSON already holds these editions, with more detail.
    if (fromExport.has(edition.period) && extra) continue;
    found.push(fromImported(edition, current.timeZone));
  }

  // Two files for one period: the first (in name order) is imported, the others reported.
  const byPeriod = new Map<string, PlannedEdition>();
  for (const edition of found) {
    const first = byPeriod.get(edition.period);
    if (first) problems.push({ name: edition.source, reason: `${edition.period} is given by “${first.source}” too: only that one is imported.` });
    else byPeriod.set(edition.period, edition);
  }
  const planned = [...byPeriod.values()].sort((a, b) => a.period.localeCompare(b.period));
  const linkTotal = planned.reduce((sum, edition) => sum + plannedSections(edition).reduce((count, section) => count + countLinks(section.links), 0), 0);
  if (planned.length > MAX_PLANNED_EDITIONS || linkTotal > MAX_PLANNED_LINKS) {
    throw new ValidationError(
      `This holds ${planned.length.toLocaleString('en')} editions and ${linkTotal.toLocaleString('en')} links: one import takes at most ${MAX_PLANNED_EDITIONS.toLocaleString('en')} editions and ${MAX_PLANNED_LINKS.toLocaleString('en')} links. Import it in parts (a few years at a time).`,
    );
  }
  await mergeSections(planned, categories);
  return { plan: { source: name, editions: planned, ...(extra ? { extra } : {}) }, problems };
}
