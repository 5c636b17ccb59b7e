// The refusals of the link and category forms in the editor's language, read from the codes the
// services attach to them (apps/domain): the services write English for the API and the logs.
import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../../domain/platform/errors.ts';
import type { FormFailure } from '../../plugins/forms.ts';
import { adminFormats } from '../../admin-locales/index.ts';
import { adminLocaleOf, adminWords } from '../../plugins/render.ts';

type ErrorWords = ReturnType<typeof adminWords>['links']['errors'];

/** One field's message from its code, or undefined when the code is not one these forms know. */
function fieldMessage(words: ErrorWords, field: string, code: ErrorCode | undefined, format: (value: number) => string): string | undefined {
  if (!code) return undefined;
  const label = (words.fields as Record<string, string>)[field] ?? field;
  const named = (words.codes as Record<string, ((value: string | undefined) => string) | undefined>)[code.code];
  if (named) return named(typeof code.max === 'number' ? format(code.max) : code.name === undefined ? undefined : String(code.name));
  if (code.code === 'too_long' && typeof code.max === 'number') return words.tooLong(label, format(code.max));
  if (code.code === 'required') return words.required(label);
  if (code.code === 'invalid_type') return words.notText(label);
  if (code.code === 'control_characters') return words.controlCharacters(label);
  // A value of the wrong shape: an id that is not one, tags that are not words.
  if (code.code === 'invalid_union' || code.code === 'invalid_format') {
    if (field === 'categoryId') return words.codes.unknown_category(undefined);
    if (field === 'parentId') return words.codes.parent_unknown();
    if (field === 'tags') return words.tagsList;
  }
  return undefined;
}

/**
 * A refused link or category form, worded in the editor's language: each field's message, and the
 * sentence above the form (`summary: 'field'` words it as its first field's, for a form that shows
 * only that sentence). A refusal without a known code keeps the service's words.
 */
export function linkFormWords({ summary = 'form' }: { summary?: 'form' | 'field' } = {}) {
  return (request: FastifyRequest, failure: FormFailure): FormFailure => {
    const words = adminWords(request).links.errors;
    const locale = adminLocaleOf(request);
    const { number } = adminFormats(locale, 'UTC');
    // English keeps the figures as the services and the API write them ("1000").
    const format = locale === 'en' ? String : number;
    if (failure.refusal === 'invalid_characters') {
      const fields = Object.fromEntries(
        Object.keys(failure.fields).map((field) => [field, words.refusedCharacter((words.fields as Record<string, string>)[field] ?? field)]),
      );
      return { ...failure, fields, message: Object.values(fields)[0] ?? failure.message };
    }
    const codes = failure.fieldCodes ?? {};
    const fields = Object.fromEntries(
      Object.entries(failure.fields).map(([field, message]) => [field, fieldMessage(words, field, codes[field], format) ?? message]),
    );
    // The sentence above a form may differ from its field's ("Unknown category." over "There is no category named …").
    const sentences = words.codes as Record<string, ((value?: string) => string) | undefined>;
    const form = failure.code;
    const sentence = form ? (sentences[`${form}_form`] ?? sentences[form]) : undefined;
    const first = Object.keys(fields)[0];
    let message = failure.message;
    if (summary === 'field' && first && codes[first]) message = fields[first]!;
    else if (sentence) message = sentence();
    else if (form === 'invalid_filter') message = words.invalidFilter;
    else if (first && codes[first]) message = words.fixFields;
    return { ...failure, fields, message };
  };
}
