import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ConflictError,
  DomainError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
  type ErrorCode,
  type FieldErrors,
} from '../../domain/platform/errors.ts';
import { RequestRefusedError } from '../http-errors.ts';

/**
 * The form a route answers. When the handler (or the service it calls, or a hook before it)
 * refuses the input, the error handler renders this form again with what was typed and the
 * message beside each field: 422 for invalid input or a refused control character, 409 for a
 * conflict, 401 for credentials that identify no one, 429 for too many attempts (with
 * Retry-After), 403 for a form posted before sign-in without its page's token. The template
 * also gets the status as `formStatus` and the input guard's refusal code as `formRefusal`, for a
 * template that words a case its own way (a fragment, a reader's page in its language). Handlers
 * therefore hold no try/catch for these.
 */
export type FormRoute = {
  /**
   * The page holding the form, rendered in full for a plain POST; or which one, when the same
   * address serves several (a popup and a quick-add): undefined then answers the error as any other.
   */
  template: string | ((request: FastifyRequest, failure: FormFailure) => string | undefined);
  /** The partial htmx swaps in, when the form is one; or which one, when it depends on the part of the page that asked. */
  fragment?: string | ((request: FastifyRequest) => string | undefined);
  /**
   * The rest of what the page shows (lists, the thing being edited, a fresh pre-session token),
   * read again for the re-render. When it throws a refusal of its own (what the form is about does
   * not exist), that refusal is the answer instead.
   */
  page?: (request: FastifyRequest, reply: FastifyReply) => Promise<Record<string, unknown>>;
  /** Where the page's template expects this form's values and errors, when it holds several forms. */
  keys?: { values: string; errors: string; error?: string };
  /** The failure's sentence and field messages in the signed-in editor's language, from the error's codes (the English ones stand where none is known). */
  words?: (request: FastifyRequest, failure: FormFailure) => Pick<FormFailure, 'message' | 'fields'>;
};

/** Why a form is shown again: the status, the sentence above the form, the message per field; `refused` (and the guard's code in `refusal`) when the request itself was refused: a character, an expired pre-session form. */
export type FormFailure = {
  status: number;
  message: string;
  fields: FieldErrors;
  refused: boolean;
  refusal?: string;
  /** The field the refusal is about, when the request itself was refused. */
  refusalField?: string;
  /** The service's stable names for the sentence and for each field's message, and the sentence's values, where it gave them. */
  code?: string;
  params?: Record<string, string | number>;
  fieldCodes?: Record<string, ErrorCode>;
};

declare module 'fastify' {
  interface FastifyContextConfig {
    form?: FormRoute;
  }
}

// What is never written back into a page: secrets and the anti-forgery token.
const NEVER_ECHOED = /password|^_csrf$|token/i;

// A refused control character is not written back into the page; the rest of the text is.
// eslint-disable-next-line no-control-regex
const printable = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

/** The code of the refusal of a form posted before sign-in whose token does not match its cookie. */
export const FORM_EXPIRED = 'form_expired';

/** What the user typed, as the form sent it: text fields (and lists of them), secrets left out. */
export function typedValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return {};
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (NEVER_ECHOED.test(key)) continue;
    if (typeof value === 'string') values[key] = printable(value);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) values[key] = value.map(printable);
  }
  return values;
}

/** The message per field and the sentence above the form for an error a form route re-renders, or undefined for any other error. */
export function formErrorOf(error: unknown): FormFailure | undefined {
  const codes = error instanceof DomainError ? { code: error.code, params: error.params } : {};
  if (error instanceof ValidationError)
    return { status: 422, message: error.message, fields: error.fields, refused: false, ...codes, fieldCodes: error.fieldCodes };
  if (error instanceof ConflictError) return { status: 409, message: error.message, fields: {}, refused: false, ...codes };
  if (error instanceof UnauthenticatedError) return { status: 401, message: error.message, fields: {}, refused: false, ...codes };
  if (error instanceof RateLimitedError)
    return { status: 429, message: error.message, fields: {}, refused: false, ...codes, params: { seconds: error.retryAfterSeconds, ...error.params } };
  if (error instanceof RequestRefusedError && error.code === 'invalid_characters')
    return {
      status: 422,
      message: error.message,
      fields: error.field ? { [error.field]: error.message } : {},
      refused: true,
      refusal: error.code,
      refusalField: error.field,
      code: error.code,
    };
  if (error instanceof RequestRefusedError && error.code === FORM_EXPIRED)
    return { status: 403, message: error.message, fields: {}, refused: true, refusal: error.code, code: error.code };
  return undefined;
}

/**
 * Renders the route's form again with the user's input and the error's messages; undefined when
 * the route shows no form for this failure: the error is then answered as any other. A page that
 * cannot be read throws (the error handler answers that refusal, or the first one).
 */
export async function renderFormError(request: FastifyRequest, reply: FastifyReply, form: FormRoute, refusal: FormFailure): Promise<FastifyReply | undefined> {
  const failure = form.words ? { ...refusal, ...form.words(request, refusal) } : refusal;
  const template = typeof form.template === 'function' ? form.template(request, failure) : form.template;
  if (template === undefined) return undefined;
  const page = (await form.page?.(request, reply)) ?? {};
  const keys = form.keys ?? { values: 'values', errors: 'errors', error: 'error' };
  const known = (page[keys.values] as Record<string, unknown> | undefined) ?? {};
  const data = {
    ...page,
    [keys.values]: { ...known, ...typedValues(request.body) },
    [keys.errors]: failure.fields,
    [keys.error ?? 'error']: failure.message,
    formStatus: failure.status,
    formRefusal: failure.refusal,
  };
  const fragment = typeof form.fragment === 'function' ? form.fragment(request) : form.fragment;
  return reply.render(template, data, { fragment, status: failure.status });
}
