/** Field name to message, as shown beside a form field or returned by the JSON API. */
export type FieldErrors = Record<string, string>;

/** Field name to the stable code of its refusal (`email.too_small`, `password_too_short`), for a caller that words it in its own language. */
export type FieldCodes = Record<string, string>;

/** A stable name for a refusal, and the values its sentence is built around, for a caller that words it in its own language. */
export type ErrorCode = { code?: string; params?: Record<string, string | number> };

/** Base of the errors a service throws on purpose; the web layer maps each to a status. */
export class DomainError extends Error {
  readonly code: string | undefined;
  readonly params: Record<string, string | number> | undefined;
  constructor(message: string, { code, params }: ErrorCode = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.params = params;
  }
}

/** Input that breaks a rule; carries a message per field, and the code of each when it has one. */
export class ValidationError extends DomainError {
  readonly fieldCodes: FieldCodes;
  constructor(
    message: string,
    readonly fields: FieldErrors = {},
    { fieldCodes = {}, ...code }: ErrorCode & { fieldCodes?: FieldCodes } = {},
  ) {
    super(message, code);
    this.fieldCodes = fieldCodes;
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
    code?: ErrorCode,
  ) {
    super(message, code);
  }
}
