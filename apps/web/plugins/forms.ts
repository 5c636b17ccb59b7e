import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, RateLimitedError, UnauthenticatedError, ValidationError, type FieldErrors } from '../../domain/platform/errors.ts';
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
  /** The page holding the form, rendered in full for a plain POST. */
  template: string;
  /** The partial htmx swaps in, when the form is one. */
  fragment?: string;
  /**
   * The rest of what the page shows (lists, the thing being edited, a fresh pre-session token),
   * read again for the re-render. When it throws, the answer is that error's instead.
   */
  page?: (request: FastifyRequest, reply: FastifyReply) => Promise<Record<string, unknown>>;
  /** Where the page's template expects this form's values and errors, when it holds several forms. */
  keys?: { values: string; errors: string; error?: string };
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
export function formErrorOf(error: unknown): { status: number; message: string; fields: FieldErrors; refusal?: string } | undefined {
  if (error instanceof ValidationError) return { status: 422, message: error.message, fields: error.fields };
  if (error instanceof ConflictError) return { status: 409, message: error.message, fields: {} };
  if (error instanceof UnauthenticatedError) return { status: 401, message: error.message, fields: {} };
  if (error instanceof RateLimitedError) return { status: 429, message: error.message, fields: {} };
  if (error instanceof RequestRefusedError && error.code === 'invalid_characters') return { status: 422, message: error.message, fields: error.field ? { [error.field]: error.message } : {}, refusal: error.code };
  if (error instanceof RequestRefusedError && error.code === FORM_EXPIRED) return { status: 403, message: error.message, fields: {} };
  return undefined;
}

/** Renders the route's form again with the user's input and the error's messages. */
export async function renderFormError(request: FastifyRequest, reply: FastifyReply, form: FormRoute, failure: NonNullable<ReturnType<typeof formErrorOf>>): Promise<FastifyReply> {
  const page = (await form.page?.(request, reply)) ?? {};
  const keys = form.keys ?? { values: 'values', errors: 'errors', error: 'error' };
  const known = (page[keys.values] as Record<string, unknown> | undefined) ?? {};
  const data = { ...page, [keys.values]: { ...known, ...typedValues(request.body) }, [keys.errors]: failure.fields, [keys.error ?? 'error']: failure.message, formStatus: failure.status, formRefusal: failure.refusal };
  return reply.render(form.template, data, { fragment: form.fragment, status: failure.status });
}
