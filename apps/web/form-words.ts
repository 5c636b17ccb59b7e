// A refused form in the reader's language: the services refuse in English, with a stable code for
// each refusal (apps/domain/platform/errors.ts); a form route that names its words gets the
// sentence above the form and each field's message from them, by code. A code the words do not
// know keeps the service's own sentence.
import type { FastifyRequest } from 'fastify';
import { adminWordsFor } from './admin-locales/index.ts';
import type { FormFailure } from './plugins/forms.ts';
import { adminLocaleOf } from './plugins/render.ts';

type Sentence = string | ((params: Record<string, string | number>) => string);

/** The words a form's refusals are said with: the sentence above the form by code, each field's message by code. */
export type FormWords = { messages: Record<string, Sentence>; fields: Record<string, Sentence> };

const say = (sentence: Sentence | undefined, params: Record<string, string | number>) =>
  sentence === undefined ? undefined : typeof sentence === 'function' ? sentence(params) : sentence;

/** The failure with its sentences in `words`, where they know its codes. */
export function translateFailure(failure: FormFailure, words: FormWords): FormFailure {
  const params = failure.params ?? {};
  const message = (failure.code && say(words.messages[failure.code], params)) || failure.message;
  const fields = Object.fromEntries(
    Object.entries(failure.fields).map(([field, text]) => {
      const own = failure.fieldCodes?.[field];
      // A field's code is looked up with its field first ("email.required"), then alone ("url_invalid").
      const codes = own ? [`${field}.${own.code}`, own.code] : failure.refusal && field === failure.refusalField ? [failure.refusal] : [];
      const values = { ...params, ...own };
      const worded = codes.map((code) => say(words.fields[code], values) ?? say(words.messages[code], values)).find(Boolean);
      return [field, worded || text];
    }),
  );
  return { ...failure, message, fields };
}

/** A refusal the web layer words itself (a broken upload) in the admin's language for this request, by its code. */
export function refusalIn(request: FastifyRequest, refusal: { code?: string; message: string }): string {
  const words = adminFormWords(request);
  return (words && refusal.code && say(words.messages[refusal.code], {})) || refusal.message;
}

/** The code of a refused upload, told apart: a file over the limit (`file_too_large`), too many parts, or a broken body. */
export function uploadRefusalCode(error: { code?: string; message: string }): string | undefined {
  if (error.code !== 'upload_too_large') return error.code;
  return /^The file/.test(error.message) ? 'upload_file_too_large' : 'upload_too_many';
}

/** The `words` of the readers', team and sign-in forms: the refusal in the admin's language for this request. */
export function readersFormWords(request: FastifyRequest, failure: FormFailure): FormFailure {
  const words = adminFormWords(request);
  return words ? translateFailure(failure, words) : failure;
}

/** A form's refusals in the admin's language for this request (the browser's before sign-in); none for English, which the services speak. */
export function adminFormWords(request: FastifyRequest): FormWords | undefined {
  const locale = adminLocaleOf(request);
  return locale === 'en' ? undefined : adminWordsFor(locale).readers.errors;
}
