import { ValidationError } from '../platform/errors.ts';
import { emailField } from '../platform/validation.ts';
import type * as csvParseModule from 'csv-parse/sync';
import { lazyModule } from '../platform/lazy-module.ts';

const csvParse = lazyModule<typeof csvParseModule>('csv-parse/sync');

export type ImportRow = { line: number; email: string; confirmed: boolean; createdAt: Date | null };
/** A row left out; `code` names the reason (`email.invalid_format`, `no_address`, `repeated`) for a page that words it itself. */
export type ImportProblem = { line: number; value: string; reason: string; code: string };
export type ParsedImport = { format: string; rows: ImportRow[]; invalid: ImportProblem[]; repeated: ImportProblem[] };

export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 200_000;

// Column names of the exports people bring: Substack, Buttondown, Mailchimp, listmonk, and plain files.
const EMAIL_COLUMNS = ['email', 'email address', 'email_address', 'e-mail', 'subscriber_email', 'address'];
const DATE_COLUMNS = ['created_at', 'creation_date', 'subscribed_at', 'optin_time', 'confirm_time', 'created', 'date_added', 'subscription_date'];

/** Whether a row says its reader confirmed, in the vocabulary of the tool that exported it. */
function confirmedFrom(record: Record<string, string>): boolean {
  const value = (key: string) => (record[key] ?? '').trim().toLowerCase();
  if (value('confirm_time')) return true; // Mailchimp: only confirmed addresses have one
  const type = value('subscriber_type') || value('type'); // Buttondown
  if (type) return ['regular', 'premium', 'gifted', 'trialed', 'churning', 'active'].includes(type);
  const status = value('status') || value('subscription_status'); // listmonk and others
  if (status) return ['enabled', 'confirmed', 'active', 'subscribed'].includes(status);
  const active = value('active_subscription') || value('email_disabled'); // Substack
  if (record.active_subscription !== undefined) return ['true', '1', 'yes'].includes(value('active_subscription'));
  if (record.email_disabled !== undefined) return !['true', '1', 'yes'].includes(active);
  // A plain list of addresses says nothing about consent.
  return false;
}

/** Reads a subscriber CSV: finds the email column, each row's confirmation and date, and what is wrong. */
export function parseSubscriberCsv(input: Buffer | string): ParsedImport {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  if (bytes.length > MAX_IMPORT_BYTES) throw new ImportError(`The file is over ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`, {}, { code: 'csv_too_large' });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8: old spreadsheet exports are often Windows-1252.
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n/) === -1 ? undefined : text.search(/\r?\n/));
  const delimiter =
    (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  let records: string[][];
  try {
    records = csvParse().parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true });
  } catch (error) {
    throw new ImportError(`This is not a CSV file that can be read: ${(error as Error).message.split('\n')[0]}`, {}, { code: 'csv_unreadable' });
  }
  if (records.length === 0) throw new ImportError('The file is empty.', {}, { code: 'csv_empty' });
  if (records.length - 1 > MAX_IMPORT_ROWS)
    throw new ImportError(`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows.`, {}, { code: 'csv_too_many_rows' });
  const header = records[0]!.map((name) => name.trim().toLowerCase());
  let emailIndex = header.findIndex((name) => EMAIL_COLUMNS.includes(name));
  let rows = records.slice(1);
  let lineOffset = 2;
  if (emailIndex === -1) {
    // No header: a plain list whose first column holds addresses.
    if (!records[0]![0]?.includes('@'))
      throw new ImportError(`No email column: expected one named ${EMAIL_COLUMNS.slice(0, 3).join(', ')}…`, {}, { code: 'csv_no_email_column' });
    emailIndex = 0;
    rows = records;
    lineOffset = 1;
  }
  const names = emailIndex === 0 && lineOffset === 1 ? ['email'] : header;
  const dateIndex = names.findIndex((name) => DATE_COLUMNS.includes(name));
  const format =
    names.includes('active_subscription') || names.includes('email_disabled')
      ? 'Substack'
      : names.includes('subscriber_type')
        ? 'Buttondown'
        : names.includes('email address')
          ? 'Mailchimp'
          : names.includes('attributes')
            ? 'listmonk'
            : 'CSV';
  const seen = new Set<string>();
  const result: ParsedImport = { format, rows: [], invalid: [], repeated: [] };
  rows.forEach((cells, index) => {
    const line = index + lineOffset;
    const raw = (cells[emailIndex] ?? '').trim();
    const parsed = emailField.safeParse(raw);
    if (!parsed.success) {
      result.invalid.push({
        line,
        value: raw.slice(0, 200),
        reason: raw ? (parsed.error.issues[0]?.message ?? 'Invalid address.') : 'No address on this row.',
        code: raw ? `email.${parsed.error.issues[0]?.code ?? 'invalid_format'}` : 'no_address',
      });
      return;
    }
    if (seen.has(parsed.data)) {
      result.repeated.push({ line, value: parsed.data, reason: 'Appears earlier in the file.', code: 'repeated' });
      return;
    }
    seen.add(parsed.data);
    const record = Object.fromEntries(names.map((name, column) => [name, cells[column] ?? '']));
    const date = dateIndex >= 0 ? new Date(cells[dateIndex] ?? '') : null;
    result.rows.push({ line, email: parsed.data, confirmed: confirmedFrom(record), createdAt: date && !Number.isNaN(date.getTime()) ? date : null });
  });
  return result;
}

/** A file that cannot be imported at all, with the reason. */
export class ImportError extends ValidationError {}
