/** Field name to message, as shown beside a form field or returned by the JSON API. */
export type FieldErrors = Record<string, string>;

/**
 * A refusal's stable name and the values its words need (`{ code: 'too_long', max: 1000 }`), so that
 * a screen can word it in its reader's language rather than by matching the English message.
 */
export type ErrorCode = { code: string } & Record<string, string | number>;

/** What a service may say of its refusal besides the English sentence: its code and that sentence's values. */
export type ErrorOptions = { code?: string; params?: Record<string, string | number> };

/** Base of the errors a service throws on purpose; the web layer maps each to a status. */
export class DomainError extends Error {
  /** A stable name for the message ("edition.slug-taken"), for a page that words it in its reader's language; unset where none was given. */
  readonly code: string | undefined;
  /** The values the message is built around (a count, a name), for the same page. */
  readonly params: Record<string, string | number> | undefined;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = options.code;
    this.params = options.params;
  }
}

/** A refusal's codes: its own (and its sentence's values), and each field's. */
export type ErrorCodes = ErrorOptions & { fieldCodes?: Record<string, string | ErrorCode> };

/** Input that breaks a rule; carries a message per field, and a stable code per field where one is known (the rule's own, or zod's). */
export class ValidationError extends DomainError {
  readonly fieldCodes: Record<string, ErrorCode>;

  constructor(
    message: string,
    readonly fields: FieldErrors = {},
    options: ErrorCodes = {},
  ) {
    super(message, options);
    this.fieldCodes = Object.fromEntries(Object.entries(options.fieldCodes ?? {}).map(([field, code]) => [field, typeof code === 'string' ? { code } : code]));
  }
}

export class NotFoundError extends DomainError {}

/** The request conflicts with the current state (already exists, changed meanwhile). */
export class ConflictError extends DomainError {}

/** The credentials or token do not identify anyone. */
export class UnauthenticatedError extends DomainError {}

/** Someone known asks for something their role does not allow. */
export class ForbiddenError extends DomainError {}

/** Too many attempts; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code?: ErrorOptions,
  ) {
    super(message, code);
  }
}
