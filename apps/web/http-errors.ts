/**
 * A request the web layer refuses on its own (from another site, characters no text may hold):
 * a status, a stable code the error handler turns into words (in the newsletter's language on
 * readers' pages) and, for bad input, the field at fault.
 */
export class RequestRefusedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}
