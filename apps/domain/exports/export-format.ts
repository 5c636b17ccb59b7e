// The shape of `veille-export.json`: everything a newsletter is made of, in plain JSON, so that a
// user can leave or keep a backup without PostgreSQL tools, and Veille can read it back. Dates are
// ISO 8601 strings; commentary, intros and free sections are the Markdown the editors wrote.
// Accounts, sessions, tokens and password hashes are never part of it.
import { z } from 'zod';
import { parsePeriod } from '../editions/periods.ts';

/** The value of the `format` field that marks a Veille export. */
export const EXPORT_FORMAT = 'veille-export';
/** The version of the format written by this code. Version 1 (sections and free sections, before blocks) is still read. */
export const EXPORT_VERSION = 2;
/** The versions this code reads. */
export const READABLE_EXPORT_VERSIONS: readonly number[] = [1, 2];
/** The name of the JSON file inside an export folder or archive. */
export const EXPORT_JSON_NAME = 'veille-export.json';

const isoDate = z.iso.datetime({ offset: true });

/** One link, with its nested items. */
export type ExportLink = {
  url: string;
  /** As the editor or the page gave it; null when the page had none and nobody wrote one. */
  title: string | null;
  /** Markdown. */
  commentary: string;
  via: string | null;
  tags: string[];
  /** What the page said about itself when it was fetched. */
  description: string | null;
  siteName: string | null;
  createdAt: string;
  children: ExportLink[];
};

const linkFields = {
  url: z.string().min(1),
  title: z.string().nullable(),
  commentary: z.string(),
  via: z.string().nullable(),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  siteName: z.string().nullable(),
  createdAt: isoDate,
};

/** The export of a link: `children` is described by a getter, zod 4's way of declaring a recursive schema. */
export const exportLinkSchema: z.ZodType<ExportLink> = z.object({
  ...linkFields,
  get children() {
    return z.array(exportLinkSchema);
  },
});

const editionFields = {
  period: z.string().refine((value) => parsePeriod(value) !== undefined, { error: 'Periods look like 2024-06 or 2024-W07.' }),
  title: z.string(),
  slug: z.string(),
  status: z.enum(['draft', 'scheduled', 'published']),
  tags: z.array(z.string()),
  /** Markdown before the first block. */
  intro: z.string(),
  /** The closing words. */
  outro: z.string(),
  /** The public path, /YYYY/MM/slug, to keep old links working elsewhere. */
  path: z.string(),
  /** The Markdown file of this edition in the same export: editions/<period>-<slug>.md. */
  markdownFile: z.string(),
  scheduledAt: isoDate.nullable(),
  publishedAt: isoDate.nullable(),
  correctedAt: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
};

export const exportBlockSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('category'),
    /** The category's name; null for the links of no category (shown as "Miscellaneous"). */
    category: z.string().nullable(),
    intro: z.string(),
    outro: z.string(),
    /** Shown to readers even without links. */
    keepEmpty: z.boolean(),
    links: z.array(exportLinkSchema),
  }),
  z.object({ kind: z.literal('text'), id: z.string(), heading: z.string(), body: z.string() }),
]);
export type ExportBlock = z.output<typeof exportBlockSchema>;

export const exportEditionSchema = z.object({
  ...editionFields,
  /** The edition's blocks in the order readers see them (empty sections nobody kept included). */
  blocks: z.array(exportBlockSchema),
  /** Paths the edition answered at before its slug changed: they redirect to it. */
  earlierPaths: z.array(z.string()),
});
export type ExportEdition = z.output<typeof exportEditionSchema>;

/** An edition as version 1 wrote it: its sections as readers saw them, then its free sections. */
const exportEditionV1Schema = z.object({
  ...editionFields,
  freeSections: z.array(z.object({ heading: z.string(), body: z.string() })),
  categoryOrder: z.array(z.string()),
  sections: z.array(z.object({ category: z.string().nullable(), links: z.array(exportLinkSchema) })),
});

/** A version 1 edition as blocks: what its readers saw (an empty section listed was shown), free sections last. */
function upgradeEdition(edition: z.output<typeof exportEditionV1Schema>): ExportEdition {
  const { freeSections, categoryOrder: _order, sections, ...fields } = edition;
  return {
    ...fields,
    blocks: [
      ...sections.map((section): ExportBlock => ({
        kind: 'category',
        category: section.category,
        intro: '',
        outro: '',
        keepEmpty: section.links.length === 0,
        links: section.links,
      })),
      ...freeSections.map((free, index): ExportBlock => ({ kind: 'text', id: `free-${index + 1}`, heading: free.heading, body: free.body })),
    ],
    earlierPaths: [],
  };
}

/** A link of the inbox (collected, in no edition yet) with its category's name. */
export type ExportInboxLink = ExportLink & { category: string | null };

export const exportInboxLinkSchema: z.ZodType<ExportInboxLink> = z.object({
  category: z.string().nullable(),
  ...linkFields,
  get children() {
    return z.array(exportLinkSchema);
  },
});

export const exportCategorySchema = z.object({
  name: z.string().min(1),
  position: z.number(),
  archived: z.boolean(),
});
export type ExportCategory = z.output<typeof exportCategorySchema>;

export const exportSubscriberSchema = z.object({
  email: z.string().min(3),
  status: z.enum(['pending', 'active', 'unsubscribed', 'bounced']),
  /** How the address arrived: form, admin, import... */
  source: z.string(),
  /** The proof of consent: when, from which address, through which form, with which text. */
  consent: z.object({ at: z.string(), ip: z.string().nullable(), form: z.string(), text: z.string() }).nullable(),
  createdAt: isoDate,
  confirmedAt: isoDate.nullable(),
  unsubscribedAt: isoDate.nullable(),
  bouncedAt: isoDate.nullable(),
});
export type ExportSubscriber = z.output<typeof exportSubscriberSchema>;

/**
 * The newsletter's settings. Known keys are typed loosely and unknown ones kept, so that an export
 * from another version still reads; the settings service validates the values when they are applied.
 */
export const exportSettingsSchema = z
  .object({
    newsletterName: z.string(),
    description: z.string(),
    defaultCategories: z.array(z.string()),
    locale: z.string(),
    timeZone: z.string(),
    titleTemplate: z.string(),
    cadence: z.string(),
    footer: z.string(),
    senderName: z.string(),
    senderEmail: z.string(),
  })
  .partial()
  .catchall(z.unknown());
export type ExportSettings = z.output<typeof exportSettingsSchema>;

const exportFields = {
  format: z.literal(EXPORT_FORMAT),
  exportedAt: isoDate,
  settings: exportSettingsSchema,
  categories: z.array(exportCategorySchema),
  /** Links not in any edition (deleted ones excluded), in the inbox's order. */
  inbox: z.array(exportInboxLinkSchema),
  subscribers: z.array(exportSubscriberSchema),
};

/** Validates a parsed `veille-export.json` as this version writes it. */
export const veilleExportSchema = z.object({
  ...exportFields,
  version: z.literal(EXPORT_VERSION),
  /** Every edition, whatever its status, oldest period first. */
  editions: z.array(exportEditionSchema),
});

const veilleExportV1Schema = z.object({ ...exportFields, version: z.literal(1), editions: z.array(exportEditionV1Schema) });

/** Reads a parsed `veille-export.json` of any readable version, as this version writes it. */
export function readVeilleExport(value: unknown): { success: true; data: VeilleExport } | { success: false; error: z.ZodError } {
  if ((value as { version?: unknown } | null)?.version === 1) {
    const parsed = veilleExportV1Schema.safeParse(value);
    if (!parsed.success) return parsed;
    return { success: true, data: { ...parsed.data, version: EXPORT_VERSION, editions: parsed.data.editions.map(upgradeEdition) } };
  }
  return veilleExportSchema.safeParse(value);
}

/** Everything Veille exports, as written to `veille-export.json`. */
export type VeilleExport = {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  settings: ExportSettings;
  categories: ExportCategory[];
  editions: ExportEdition[];
  inbox: ExportInboxLink[];
  subscribers: ExportSubscriber[];
};

// The type above and the schema must describe the same thing: this fails to compile when they part.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesType: Same<z.output<typeof veilleExportSchema>, VeilleExport> = true;
void _schemaMatchesType;

/** The path of an edition's Markdown file inside an export. */
export function editionMarkdownPath(edition: { period: string; slug: string }): string {
  const safe = (value: string) =>
    value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'edition';
  return `editions/${safe(edition.period)}-${safe(edition.slug)}.md`;
}
