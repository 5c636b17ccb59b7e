// The rules a link's fields follow, wherever the link comes from: the inbox forms, the JSON API,
// the capture popup, and the imports of what Veille itself wrote.
import { z } from 'zod';
import { MARK_END, MARK_START } from '../../../db/repositories/links-repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { escapeHtml } from '../platform/html.ts';
import { renderMarkdown, renderMarkdownInline } from '../platform/markdown.ts';
import { emailField, hasControlCharacters, stripControlCharacters } from '../platform/validation.ts';
import { parseLinkUrl } from './url-normalize.ts';

export const LINK_SCOPES = ['inbox', 'needs_work', 'fetch_failed', 'in_edition', 'published', 'all'] as const;
const MAX_TAGS = 20;

const optionalText = (label: string, max: number) =>
  z
    .string({ error: `${label} must be text.` })
    .max(max, { error: `${label} must be at most ${max} characters.` })
    .transform((value) => value.trim())
    .optional();

/** Tags as typed ("Time Series, #postgres") become slugs: lower case, dashes, no '#'. */
export function normalizeTags(input: unknown): string[] {
  const raw = Array.isArray(input) ? input : typeof input === 'string' ? input.split(',') : [];
  const tags = raw
    .filter((value): value is string => typeof value === 'string')
    .map((value) =>
      value
        .trim()
        .replace(/^#+/, '')
        .toLowerCase()
        .replace(/[\s_]+/g, '-')
        .replace(/-{2,}/g, '-')
        .replace(/^-|-$/g, ''),
    )
    .filter(Boolean);
  return [...new Set(tags)];
}

export const tagsField = z
  .union([z.array(z.string()), z.string()], { error: 'Tags must be a list of words.' })
  .transform(normalizeTags)
  .refine((tags) => tags.length <= MAX_TAGS, { error: `At most ${MAX_TAGS} tags.`, params: { code: 'too_many_tags', max: MAX_TAGS } })
  .refine((tags) => tags.every((tag) => tag.length <= 40 && /^[\p{L}\p{N}][\p{L}\p{N}.+#-]*$/u.test(tag)), {
    error: 'Tags may contain letters, digits, dots, plus signs and dashes, 40 characters at most.',
    params: { code: 'tag_format' },
  })
  .optional();

const urlField = z.string({ error: 'URL is required.' }).transform((value, context) => {
  try {
    return parseLinkUrl(value);
  } catch (error) {
    const refused = error instanceof ValidationError ? error : undefined;
    context.addIssue({
      code: 'custom',
      message: refused?.fields.url ?? refused?.message ?? 'Enter a valid URL.',
      params: refused?.fieldCodes.url ?? { code: 'url_invalid' },
    });
    return z.NEVER;
  }
});

export const idField = z.uuid({ error: 'Unknown id.' });

const linkFields = {
  // Long enough for the reference archive, where a whole sentence serves as a title (583 characters).
  title: optionalText('Title', 1000).refine((value) => value === undefined || !hasControlCharacters(value), {
    error: 'Title contains invalid characters.',
    params: { code: 'control_characters' },
  }),
  commentary: optionalText('Commentary', 20_000).transform((value) => (value === undefined ? value : stripControlCharacters(value.replace(/\r\n?/g, '\n')))),
  via: optionalText('Via', 300),
  tags: tagsField,
  // A category by name: found by its key, or created (see categories-service resolve).
  category: optionalText('Category', 100).refine((value) => value === undefined || !hasControlCharacters(value), {
    error: 'Category contains invalid characters.',
    params: { code: 'control_characters' },
  }),
  categoryId: z.union([idField, z.literal(''), z.null()]).optional(),
  parentId: z.union([idField, z.literal(''), z.null()]).optional(),
};

export const addSchema = z.object({ url: urlField, ...linkFields });
export const updateSchema = z.object({
  url: urlField.optional(),
  description: optionalText('Description', 2000),
  siteName: optionalText('Site name', 200),
  ...linkFields,
});

// The address of a mailto: URL, decoded; '' when it cannot be decoded.
function mailtoAddress(url: string): string {
  try {
    return decodeURIComponent(url.slice('mailto:'.length).split('?')[0] ?? '');
  } catch {
    return '';
  }
}

/**
 * A link's URL as Veille keeps it, for imports of what Veille itself wrote: the form's rules
 * (http or https, a domain, no credentials), written in full; or a mailto: address, which
 * imported Markdown may hold. The URL is kept as written.
 */
const storedUrlField = z.string({ error: 'URL is required.' }).transform((value, context) => {
  const url = value.trim();
  if (/^mailto:/i.test(url)) {
    if (emailField.safeParse(mailtoAddress(url)).success) return url;
    context.addIssue({ code: 'custom', message: 'A mailto: link must name one valid address.' });
    return z.NEVER;
  }
  const parsed = urlField.safeParse(url);
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'Enter a valid URL.' });
    return z.NEVER;
  }
  if (!/^https?:\/\//i.test(url)) {
    context.addIssue({ code: 'custom', message: 'The address must be written in full, starting with https:// or http://.' });
    return z.NEVER;
  }
  return url;
});

/** The rules a link's fields follow in the forms and the API, for the imports that bring links in. */
export const linkFieldRules = {
  url: storedUrlField,
  title: linkFields.title,
  commentary: linkFields.commentary,
  via: linkFields.via,
  tags: linkFields.tags,
  description: updateSchema.shape.description,
  siteName: updateSchema.shape.siteName,
};
/** The filters of a list of links (the inbox's search, the API's GET /links). */
export const querySchema = z.object({
  status: z.enum(LINK_SCOPES, { error: `Status must be one of ${LINK_SCOPES.join(', ')}.` }).default('inbox'),
  category: z.string().max(100).optional(),
  tag: z.string().max(40).optional(),
  q: z.string().max(200, { error: 'Search must be at most 200 characters.' }).optional(),
  limit: z.coerce
    .number({ error: 'Limit must be a number.' })
    .int()
    .min(1, { error: 'Limit must be between 1 and 200.' })
    .max(200, { error: 'Limit must be between 1 and 200.' })
    .default(50),
  cursor: z.string().max(200).optional(),
});

/** A commentary as HTML: one paragraph renders inline (it follows "Title :"), several as blocks. */
export function renderCommentary(source: string): string {
  const trimmed = source.trim();
  return trimmed.includes('\n') ? renderMarkdown(trimmed) : renderMarkdownInline(trimmed);
}

/** Escapes text for HTML, then turns search highlight markers into <mark> elements. */
export function highlightToHtml(text: string): string {
  const escaped = escapeHtml(text);
  return escaped.split(MARK_START).join('<mark>').split(MARK_END).join('</mark>');
}
