// EditionDocument builders for the rendering and import tests: a document from scratch or from a
// reference edition, and the content an importer should read back from what is rendered of it.
import type { EditionDocument, EditionLink, NewsletterInfo } from '../../apps/domain/editions/edition-types.ts';
import type { ImportedEdition, ImportedLink } from '../../apps/domain/imports/edition-parse.ts';
import { renderCommentary } from '../../apps/domain/links/links-service.ts';
import type { Sample, SampleLink } from './samples.ts';

/** The parts of an edition an importer reads: what a sample's JSON holds. */
export type EditionContent = Pick<ImportedEdition, 'title' | 'period' | 'tags' | 'intro' | 'categories' | 'freeSections' | 'outro'>;

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
  return { id: `l${ids}`, url, title, commentary, commentaryHtml: renderCommentary(commentary), via: null, children };
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
    freeSections: [],
    sections: [],
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
    freeSections: sample.freeSections,
    sections: sample.categories.map((category) => ({ categoryId: null, name: category.name, links: category.links.map(fromSampleLink) })),
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
    categories: doc.sections.map((section) => ({ name: section.name, links: section.links.map(expectedLink) })),
    freeSections: doc.freeSections,
    outro: doc.outro,
  };
}

/** The content of an imported edition, without its source, date and warnings. */
export function importedContent(result: ImportedEdition): EditionContent {
  const { title, period, tags, intro, categories, freeSections, outro } = result;
  return { title, period, tags, intro, categories, freeSections, outro };
}

/** An imported link, as a parser should give it. */
export function importedLink(title: string, url: string, commentary = '', children: ImportedLink[] = []): ImportedLink {
  return { title, url, commentary, children };
}
