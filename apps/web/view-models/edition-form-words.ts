// The refusals of the edition screens' forms in the signed-in editor's language: the service's
// codes (apps/domain/platform/errors.ts) looked up in the dictionary, its English standing for
// a code the dictionary does not know.
import type { FastifyRequest } from 'fastify';
import type { FieldErrors } from '../../domain/platform/errors.ts';
import type { FormFailure } from '../plugins/forms.ts';
import { adminLocaleOf, adminWords } from '../plugins/render.ts';

/** The failure's sentence and field messages in the editor's language, for the `words` of the edition forms. */
export function editionFormWords(request: FastifyRequest, failure: FormFailure): Pick<FormFailure, 'message' | 'fields'> {
  const { errors } = adminWords(request).edition;
  const fields: FieldErrors = {};
  const worded: string[] = [];
  for (const [key, message] of Object.entries(failure.fields)) {
    // A block's field ("blocks.2.heading") is worded as its kind of field.
    const byCode = errors.fields[key.split('.').at(-1) ?? key];
    const code = failure.fieldCodes?.[key]?.code;
    const translated = byCode && ((code && byCode[code]) || byCode.any);
    fields[key] = translated || message;
    if (translated) worded.push(translated);
  }
  const byMessageCode = failure.code === 'fields' ? errors.fixFields : failure.code ? errors.messages[failure.code] : undefined;
  // A refusal without a code of its own names its first field in English (its block, its
  // section); in another language the field's own words say it.
  const message = byMessageCode ?? (adminLocaleOf(request) === 'en' ? undefined : worded[0]) ?? failure.message;
  return { message, fields };
}
