// What the edition editor shows: the edition and its sections, the inbox's proposed links, the
// publishing panel and, once published, the pre-send checks. Read-only: opening the editor starts
// nothing (the link check panel asks for its run itself, by POST, once the page has loaded).
import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import { blockKey, categoryBlocks, isShown, repeatedLinks, topLinks } from '../../domain/editions/edition-blocks.ts';
import { tagSuggestions } from '../../domain/editions/edition-document.ts';
import type { EditionBlock } from '../../domain/editions/edition-types.ts';
import { editionBodyHtml } from '../../domain/editions/edition-render.ts';
import type { FormRoute } from '../plugins/forms.ts';
import { editionFormWords } from './edition-form-words.ts';
import { linkView } from './link-view.ts';

type EditorServices = Pick<Services, 'editions' | 'links' | 'settings' | 'categories' | 'delivery' | 'linkCheck'>;

/** The edition form's fields as the editor page shows them. */
export type EditionFormValues = {
  title: string;
  slug: string;
  tags: string;
  intro: string;
  outro: string;
  version: unknown;
};

/**
 * Everything the editor page of `period` shows; `values` replaces the stored fields and
 * `typedBlocks` the blocks' texts (a refused save shows what was typed).
 */
export async function editionEditorView(
  services: EditorServices,
  input: { period: string; values?: Partial<EditionFormValues>; typedBlocks?: Array<Record<string, unknown>> },
) {
  const { editions, links } = services;
  const row = await editions.find({ period: input.period });
  const sendStatus = await services.delivery.status({ id: row.id, actor: null, reportLimit: 0 });
  const presend = row.status === 'published' && !sendStatus.send;
  const [doc, inbox, current, allCategories] = await Promise.all([
    editions.document({ edition: row }),
    links.inbox(),
    services.settings.get(),
    services.categories.list(),
  ]);
  const linkIds = topLinks(doc).map((link) => link.id);
  const sectionLinks = new Map((await links.getMany({ ids: linkIds })).map((link) => [link.id, link]));
  const repeated = repeatedLinks(doc);
  const typed = new Map((input.typedBlocks ?? []).map((block) => [blockKey(block as EditionBlock), block]));
  const stored: EditionFormValues = {
    title: row.title,
    slug: row.slug,
    tags: row.tags.join(', '),
    intro: row.intro,
    outro: row.outro,
    version: row.version,
  };
  return {
    row,
    doc,
    blocks: doc.blocks.map((block, index) => {
      const key = blockKey(block);
      const shown = { key, first: index === 0, last: index === doc.blocks.length - 1, visible: isShown(block) };
      if (block.kind === 'text') return { ...block, ...shown, ...pick(typed.get(key), ['heading', 'body']) };
      return {
        ...block,
        ...shown,
        ...pick(typed.get(key), ['intro', 'outro', 'keepEmpty']),
        views: block.links.map((link) => ({
          ...linkView(sectionLinks.get(link.id)!),
          repeats: (repeated.get(link.id) ?? []).map((other) => other.title),
        })),
      };
    }),
    linkCount: linkIds.length,
    missingCategories: allCategories.filter((category) => !categoryBlocks(doc).some((block) => block.categoryId === category.id)),
    proposed: inbox.groups.flatMap((group) => group.links).map(linkView),
    settings: current,
    tagSuggestions: tagSuggestions(doc, new Map([...sectionLinks].map(([id, link]) => [id, link.tags]))),
    values: { ...stored, ...input.values },
    errors: {},
    scheduleValues: {},
    scheduleErrors: {},
    bodyHtml: editionBodyHtml(doc),
    checks: row.status === 'published' ? await services.delivery.checks({ id: row.id }) : [],
    sendStatus,
    // Before the send: the last link check as it stands; the panel then asks for a fresh one.
    linkCheck: presend ? await services.linkCheck.status({ edition: row.id }) : undefined,
  };
}

/** The fields of a typed block that the page shows instead of the stored ones. */
function pick(typed: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  return typed ? Object.fromEntries(keys.filter((key) => key in typed).map((key) => [key, typed[key]])) : {};
}

/** Route params naming an edition of the admin by its period. */
export const editorParams = z.object({ period: z.string().max(10) });

/**
 * The forms of the editor's publishing panel (publish, schedule, send): a refusal comes back as the
 * editor page with the reason above the panel and what was typed in the schedule field.
 */
export function publishingForm(services: EditorServices): FormRoute {
  return {
    template: 'admin/edition-editor',
    page: async (request) => editionEditorView(services, editorParams.parse(request.params)),
    keys: { values: 'scheduleValues', errors: 'scheduleErrors', error: 'publishError' },
    words: editionFormWords,
  };
}
