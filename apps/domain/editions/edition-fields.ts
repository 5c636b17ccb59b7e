// The rules an edition's own fields follow, wherever they come from: the editor's form, the JSON
// API, an import. Blocks are read by edition-blocks.ts, which names the block it refuses.
import { z } from 'zod';
import { normalizeTags } from '../links/link-fields.ts';
import { readBlocks } from './edition-blocks.ts';

/** Tags as a list or a comma-separated text, normalised. */
export const tagsSchema = z
  .union([z.array(z.string().max(60)), z.string().max(2000)], { error: 'Tags must be a list of words.' })
  .transform(normalizeTags)
  .refine((tags) => tags.length <= 40, { error: 'At most 40 tags.', params: { code: 'too_many' } })
  .refine((tags) => tags.every((tag) => tag.length <= 40 && /^[\p{L}\p{N}][\p{L}\p{N}.+#'’-]*$/u.test(tag)), {
    error: 'Tags may contain letters, digits, dots, apostrophes and dashes, 40 characters at most.',
    params: { code: 'invalid_tag' },
  });

/** An editor's change to an edition: the fields sent, and the version it started from. */
export const updateSchema = z.object({
  version: z.coerce.number({ error: 'The edition version is missing: reload the page.' }).int().min(1),
  title: z.string().trim().min(1, { error: 'The title is required.' }).max(300, { error: 'The title is at most 300 characters.' }).optional(),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, { error: 'The slug is required.' })
    .max(100, { error: 'The slug is at most 100 characters.' })
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'Use lower-case letters, digits and dashes only, e.g. juin-2024.' })
    .optional(),
  tags: tagsSchema.optional(),
  intro: z.string().max(50_000, { error: 'The intro is at most 50,000 characters.' }).optional(),
  outro: z.string().max(50_000, { error: 'The closing words are at most 50,000 characters.' }).optional(),
  // Read by readBlocks, which names the block it refuses.
  blocks: z.unknown().optional(),
});

/** The rules an edition's fields follow in the editor and the API, for the imports that bring editions in. */
export const editionFieldRules = {
  title: updateSchema.shape.title.unwrap(),
  slug: updateSchema.shape.slug.unwrap(),
  tags: tagsSchema,
  intro: updateSchema.shape.intro.unwrap(),
  outro: updateSchema.shape.outro.unwrap(),
  /** A list of blocks, refused with the block named. */
  blocks: readBlocks,
};
