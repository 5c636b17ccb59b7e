// The opaque cursors of the links API's pages: a creation time and id for newest-first lists, an
// offset for ranked search results.
import { ValidationError } from '../platform/errors.ts';
import { idField } from './link-fields.ts';

export type Cursor = { createdAt: Date; id: string } | { offset: number };

/** The cursor handed out for the next page. */
export function encodeCursor(cursor: Cursor): string {
  const value = 'offset' in cursor ? { o: cursor.offset } : { t: cursor.createdAt.toISOString(), i: cursor.id };
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Reads a cursor given back; anything the API did not hand out is a ValidationError. */
export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; t?: unknown; i?: unknown };
    if (typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0) return { offset: value.o };
    if (typeof value.t === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.t)) && idField.safeParse(value.i).success) {
      return { createdAt: new Date(value.t), id: value.i };
    }
  } catch {
    // Fall through to the error below.
  }
  throw new ValidationError('Invalid cursor.', { cursor: 'This cursor is not one the API gave out.' });
}
