import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { ValidationError, type FieldCodes, type FieldErrors } from './errors.ts';

/** Turns zod issues into one message per field (the first issue of each). */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

/**
 * The stable code of each field's first issue: the one a custom rule names in its params
 * (`{ params: { code: 'password_too_short' } }`), else the field and zod's code (`email.too_small`).
 */
export function fieldCodes(error: z.ZodError): FieldCodes {
  const codes: FieldCodes = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    const named = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    codes[key] ??= typeof named === 'string' ? named : `${key}.${issue.code}`;
  }
  return codes;
}

const CORRECT_FIELDS = 'Please correct the highlighted fields.';

/** Parses input with a schema, throwing a ValidationError that names each bad field (`code` names the sentence above the form). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  message = CORRECT_FIELDS,
  code = message === CORRECT_FIELDS ? 'invalid_fields' : undefined,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(message, fieldErrors(parsed.error), { code, fieldCodes: fieldCodes(parsed.error) });
  return parsed.data;
}

/** True when text holds control characters (line breaks included): never valid in a name or an address. */
export function hasControlCharacters(value: string): boolean {
  return [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
}

/** A one-line text setting or field: control characters, line breaks included, are refused (they would break an email header). */
export function singleLineText(label: string, max: number) {
  return z
    .string({ error: `${label} must be text.` })
    .trim()
    .max(max, { error: `${label} must be at most ${max} characters.` })
    .refine((value) => !hasControlCharacters(value), { error: `${label} must be on one line, without control characters.` });
}

/** A text that may run over several lines: line breaks and tabs are fine, other control characters are refused. */
export function multiLineText(label: string, max: number) {
  return z
    .string({ error: `${label} must be text.` })
    .trim()
    .max(max, { error: `${label} must be at most ${max} characters.` })
    .refine((value) => !hasControlCharacters(value.replace(/[\r\n\t]/g, '')), { error: `${label} contains control characters.` });
}

/** Removes control characters but line breaks and tabs (they would break search highlighting and emails). */
export function stripControlCharacters(value: string): string {
  return [...value].filter((char) => char === '\n' || char === '\t' || !hasControlCharacters(char)).join('');
}

// An address as people type it: trimmed, lower-cased, no control characters or line breaks (header injection).
export const emailField = z
  .string({ error: 'Email is required.' })
  .trim()
  .toLowerCase()
  .min(1, { error: 'Email is required.' })
  .max(254, { error: 'Email must be at most 254 characters.' })
  .refine((value) => !hasControlCharacters(value), { error: 'Email contains invalid characters.' })
  // International domain names are stored in their ASCII (punycode) form, which mail servers expect.
  .transform((value) => {
    const at = value.lastIndexOf('@');
    if (at < 1 || /^[\x20-\x7e]*$/.test(value.slice(at + 1))) return value;
    return `${value.slice(0, at)}@${domainToASCII(value.slice(at + 1)) || value.slice(at + 1)}`;
  })
  .pipe(z.email({ error: 'Enter a valid email address, such as name@example.com.' }));

export const nameField = z
  .string({ error: 'Name is required.' })
  .trim()
  .min(1, { error: 'Name is required.' })
  .max(100, { error: 'Name must be at most 100 characters.' })
  .refine((value) => !hasControlCharacters(value), { error: 'Name contains invalid characters.' });

export const roleField = z.enum(['owner', 'editor'], { error: 'Role must be owner or editor.' });
