/** Field name to message, as shown beside a form field or returned by the JSON API. */
export type FieldErrors = Record<string, string>;

/** Base of the errors a service throws on purpose; the web layer maps each to a status. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A refusal's stable name and what its words need (`{ code: 'too_long', max: 1000 }`), so that a
 * screen can word it in its reader's language rather than by matching the English message.
 */
export type ErrorCode = { code: string } & Record<string, string | number>;

/** The code of the refusal as a whole (`form`) and of each field's, beside the English messages. */
export type ErrorCodes = { form?: ErrorCode; fields?: Record<string, ErrorCode> };

/** Input that breaks a rule; carries a message per field, and their codes where they have one. */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly fields: FieldErrors = {},
    readonly codes: ErrorCodes = {},
  ) {
    super(message);
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
