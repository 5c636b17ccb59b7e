import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { ValidationError, type ErrorCode, type FieldErrors } from './errors.ts';

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
 * The code of each field's refusal, from the same issue as its message: a custom rule's own
 * (`params: { code }`), or one for the built-in checks ("too_long" with its maximum, "required").
 */
export function fieldCodes(error: z.ZodError): Record<string, ErrorCode> {
  const codes: Record<string, ErrorCode> = {};
  for (const issue of error.issues) codes[issue.path.map(String).join('.') || '_'] ??= issueCode(issue);
  return codes;
}

/** The stable code of one zod issue, with the values its words need. */
export function issueCode(issue: z.core.$ZodIssue): ErrorCode {
  const params = issue.code === 'custom' ? (issue.params as Record<string, unknown> | undefined) : undefined;
  if (typeof params?.code === 'string') return { ...(params as Record<string, string | number>), code: params.code };
  if (issue.code === 'too_big') return { code: 'too_long', max: Number(issue.maximum) };
  if (issue.code === 'too_small' && Number(issue.minimum) <= 1) return { code: 'required' };
  if (issue.code === 'too_small') return { code: 'too_short', min: Number(issue.minimum) };
  return { code: issue.code };
}

const FIX_FIELDS = 'Please correct the highlighted fields.';

/** Parses input with a schema, throwing a ValidationError that names each bad field (`code` names the refusal as a whole; "fields" for the default sentence). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  message = FIX_FIELDS,
  code = message === FIX_FIELDS ? 'fields' : undefined,
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
  .refine((value) => !hasControlCharacters(value), { error: 'Name contains invalid characters.', params: { code: 'control_characters' } });

export const roleField = z.enum(['owner', 'editor'], { error: 'Role must be owner or editor.' });
