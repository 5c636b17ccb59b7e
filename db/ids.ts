const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when a value can be a row id (every table's id is a UUID). Lookups by id check it first, so
 * that any other text, wherever it comes from, finds no row instead of failing PostgreSQL's cast.
 */
export function isRowId(value: string): boolean {
  return UUID.test(value);
}
