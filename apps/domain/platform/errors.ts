/** Field name to message, as shown beside a form field or returned by the JSON API. */
export type FieldErrors = Record<string, string>;

/** Base of the errors a service throws on purpose; the web layer maps each to a status. */
export class DomainError extends Error {
  /** A stable name for the message ("edition.slug-taken"), for a page that words it in its reader's language; unset where none was given. */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** Input that breaks a rule; carries a message per field, and a stable code per field where one is known (zod's issue code or the rule's own). */
export class ValidationError extends DomainError {
  readonly fieldCodes: Record<string, string>;

  constructor(
    message: string,
    readonly fields: FieldErrors = {},
    options: { code?: string; fieldCodes?: Record<string, string> } = {},
  ) {
    super(message, options);
    this.fieldCodes = options.fieldCodes ?? {};
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
  ) {
    super(message);
  }
}
