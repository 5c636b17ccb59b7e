import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { RequestRefusedError } from '../http-errors.ts';

// No text a person types holds control characters, and PostgreSQL refuses a NUL in any text (a
// driver error, which used to be a 500). Tabs and line breaks are kept where text may span lines:
// bodies (commentary, intros) and query strings (the capture popup gets the selected text there).
// Path segments and headers are single-line; a tab is legal in a header value.
/* eslint-disable no-control-regex -- control characters are what these look for */
const MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const SINGLE_LINE = /[\u0000-\u001f\u007f]/;
const HEADER = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/* eslint-enable no-control-regex */

/** Where a value holds a forbidden character: the field's path ("email", "sections.0.title") and the character. */
export type ControlCharacterFound = { field: string; character: string };

/**
 * The first control character in a parsed value (strings, arrays and objects, keys included;
 * uploaded files are bytes and are left alone), walked without recursion so that deeply nested
 * JSON cannot exhaust the stack.
 */
export function findControlCharacter(value: unknown, lines: 'single-line' | 'multi-line'): ControlCharacterFound | undefined {
  const pattern = lines === 'single-line' ? SINGLE_LINE : MULTI_LINE;
  const pending: Array<[string, unknown]> = [['', value]];
  while (pending.length > 0) {
    const [field, current] = pending.pop()!;
    if (typeof current === 'string') {
      const match = pattern.exec(current);
      if (match) return { field: field || 'body', character: match[0] };
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([field ? `${field}.${index}` : String(index), item]));
    } else if (current !== null && typeof current === 'object' && !Buffer.isBuffer(current)) {
      for (const [key, item] of Object.entries(current)) {
        const match = SINGLE_LINE.exec(key);
        if (match) return { field: field || 'body', character: match[0] };
        pending.push([field ? `${field}.${key}` : key, item]);
      }
    }
  }
  return undefined;
}

function refuse(found: ControlCharacterFound, what: 'field' | 'header'): never {
  const code = `U+${found.character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  throw new RequestRefusedError(
    400,
    'invalid_characters',
    `The ${what} “${found.field}” holds a control character (${code}), which is not accepted. Remove it and try again.`,
    found.field,
  );
}

/**
 * Refuses a request whose headers, path, query or body hold control characters: a 400 that names
 * the field, before any route or service sees the text.
 */
export async function refuseControlCharacters(request: FastifyRequest): Promise<void> {
  for (const [name, value] of Object.entries(request.headers)) {
    for (const item of [value].flat()) {
      if (typeof item !== 'string') continue;
      const match = HEADER.exec(item);
      if (match) refuse({ field: name, character: match[0] }, 'header');
    }
  }
  const found =
    findControlCharacter(request.params, 'single-line') ??
    findControlCharacter(request.query, 'multi-line') ??
    findControlCharacter(request.body, 'multi-line');
  if (found) refuse(found, 'field');
}

/** The check above, once for every route of the scope it is registered in. */
export const inputGuardPlugin = fp(async (app: FastifyInstance) => {
  // preHandler: after every body is parsed, uploads' fields included, and before the routes' own hooks.
  app.addHook('preHandler', refuseControlCharacters);
});
