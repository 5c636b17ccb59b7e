// EditionDocument builders for the rendering and import tests: a document from scratch or from a
// reference edition, and the content an importer should read back from what is rendered of it.
import type { CategoryBlock, EditionBlock, EditionDocument, EditionLink, NewsletterInfo, TextBlock } from '../../apps/domain/editions/edition-types.ts';
import type { ImportedEdition, ImportedLink } from '../../apps/domain/imports/edition-parse.ts';
import type { ImportedBlock } from '../../apps/domain/imports/types.ts';
import { comparableUrl } from '../../apps/domain/links/url-normalize.ts';
import { renderCommentary } from '../../apps/domain/links/links-service.ts';
import type { Sample, SampleLink } from './samples.ts';

/** The parts of an edition an importer reads: what a sample's JSON holds. */
export type EditionContent = Pick<ImportedEdition, 'title' | 'period' | 'tags' | 'intro' | 'blocks' | 'outro'>;

/** The newsletter the documents belong to; its description holds characters to escape. */
export const NEWSLETTER: NewsletterInfo = {
  name: 'Web, Ops & Data',
  description: 'La veille mensuelle <web> & "ops"',
  publicUrl: 'https://veille.example',
  locale: 'fr',
  footer: '',
};

let ids = 0;

/** A link of an edition; its commentary HTML is made as the app makes it when a link is saved. */
export function link(title: string, url: string, commentary = '', children: EditionLink[] = []): EditionLink {
  ids += 1;
  return { id: `l${ids}`, url, normalizedUrl: comparableUrl(url), title, commentary, commentaryHtml: renderCommentary(commentary), via: null, children };
}

/** A category section of a document; its links are the edition's links of that category. */
export function category(name: string, links: EditionLink[] = [], options: Partial<Omit<CategoryBlock, 'kind' | 'name' | 'links'>> = {}): CategoryBlock {
  return { kind: 'category', categoryId: null, name, intro: '', outro: '', keepEmpty: false, links, ...options };
}

/** A section of text alone. */
export function text(heading: string, body = '', id = `t${(ids += 1)}`): TextBlock {
  return { kind: 'text', id, heading, body };
}

/** An empty June 2024 edition with no publication date (its date then comes from its period), with the overrides applied. */
export function edition(overrides: Partial<EditionDocument> = {}): EditionDocument {
  return {
    id: 'e1',
    period: '2024-06',
    title: 'Juin 2024',
    slug: 'juin-2024',
    tags: [],
    intro: '',
    outro: '',
    blocks: [],
    status: 'published',
    scheduledAt: null,
    publishedAt: null,
    correctedAt: null,
    updatedAt: new Date('2024-07-01T08:00:00Z'),
    version: 1,
    path: '/2024/06/juin-2024',
    ...overrides,
  };
}

function fromSampleLink(sample: SampleLink): EditionLink {
  return link(sample.title, sample.url, sample.commentary, sample.children.map(fromSampleLink));
}

/**
 * The document of a reference edition, with its file name as id and slug. publishedAt stays null
 * unless overridden, so the date comes from the period, as in the archive's front matter.
 */
export function fromSample(sample: Sample, slug: string, overrides: Partial<EditionDocument> = {}): EditionDocument {
  const [year, month] = sample.period.split('-');
  return edition({
    id: slug,
    period: sample.period,
    title: sample.title,
    slug,
    tags: sample.tags,
    intro: sample.intro,
    outro: sample.outro,
    blocks: [
      ...sample.categories.map((entry): EditionBlock => category(entry.name, entry.links.map(fromSampleLink))),
      ...sample.freeSections.map((free): EditionBlock => text(free.heading, free.body)),
    ],
    path: `/${year}/${month}/${slug}`,
    ...overrides,
  });
}

function expectedLink(source: EditionLink): ImportedLink {
  return { title: source.title, url: source.url, commentary: source.commentary, children: source.children.map(expectedLink) };
}

/** What importing the rendering of a document should give back. */
export function expectedContent(doc: EditionDocument): EditionContent {
  return {
    title: doc.title,
    period: doc.period,
    tags: doc.tags,
    intro: doc.intro,
    blocks: doc.blocks.map((block): ImportedBlock =>
      block.kind === 'text'
        ? { kind: 'text', heading: block.heading, body: block.body }
        : { kind: 'category', name: block.name, intro: block.intro, outro: block.outro, keepEmpty: block.keepEmpty, links: block.links.map(expectedLink) },
    ),
    outro: doc.outro,
  };
}

/** The content of an imported edition, without its source, date and warnings. */
export function importedContent(result: ImportedEdition): EditionContent {
  const { title, period, tags, intro, blocks, outro } = result;
  return { title, period, tags, intro, blocks, outro };
}

/** An imported link, as a parser should give it. */
export function importedLink(title: string, url: string, commentary = '', children: ImportedLink[] = []): ImportedLink {
  return { title, url, commentary, children };
}

/** The content of a reference edition's JSON as the importer gives it: its categories, then its free sections. */
export function sampleContent(sample: Sample): EditionContent {
  return {
    title: sample.title,
    period: sample.period,
    tags: sample.tags,
    intro: sample.intro,
    blocks: [
      ...sample.categories.map((entry): ImportedBlock => ({ kind: 'category', name: entry.name, intro: '', outro: '', keepEmpty: false, links: entry.links })),
      ...sample.freeSections.map((free): ImportedBlock => ({ kind: 'text', heading: free.heading, body: free.body })),
    ],
    outro: sample.outro,
  };
}

/** The category sections of an imported edition, in order. */
export function importedCategories(result: Pick<ImportedEdition, 'blocks'>) {
  return result.blocks.filter((block) => block.kind === 'category');
}

/** The text sections of an imported edition, in order. */
export function importedTexts(result: Pick<ImportedEdition, 'blocks'>) {
  return result.blocks.filter((block) => block.kind === 'text');
}

/** The category sections of an imported edition by name and links only, for tests about the links. */
export function categoriesOf(result: Pick<ImportedEdition, 'blocks'>): Array<{ name: string; links: ImportedLink[] }> {
  return importedCategories(result).map(({ name, links }) => ({ name, links }));
}

/** The text sections of an imported edition as heading and body. */
export function textsOf(result: Pick<ImportedEdition, 'blocks'>): Array<{ heading: string; body: string }> {
  return importedTexts(result).map(({ heading, body }) => ({ heading, body }));
}

/** The document with its empty category sections kept, as the published archive showed them (headings alone). */
export function keptAsPublished(doc: EditionDocument): EditionDocument {
  return { ...doc, blocks: doc.blocks.map((block) => (block.kind === 'category' && block.links.length === 0 ? { ...block, keepEmpty: true } : block)) };
}
