// The subscribers' CSV an owner downloads: every reader with their status, dates and consent
// record, in a file any spreadsheet opens without running what it holds.
import type { Subscriber } from '../../../db/repositories/subscribers-repository.ts';
import type * as csvStringifyModule from 'csv-stringify/sync';
import { lazyModule } from '../platform/lazy-module.ts';

const csvStringify = lazyModule<typeof csvStringifyModule>('csv-stringify/sync');

const COLUMNS = ['email', 'status', 'created_at', 'confirmed_at', 'unsubscribed_at', 'source', 'consent_at', 'consent_ip', 'consent_form'];

/** Defuses a spreadsheet formula: a cell that starts like one is read as text. */
export function defuseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The CSV of the given subscribers, CRLF-terminated as RFC 4180 writes it. */
export function subscribersCsv(rows: Subscriber[]): string {
  const records = rows.map((row) => [
    row.email,
    row.status,
    row.createdAt.toISOString(),
    row.confirmedAt?.toISOString() ?? '',
    row.unsubscribedAt?.toISOString() ?? '',
    row.source,
    row.consent?.at ?? '',
    row.consent?.ip ?? '',
    row.consent?.form ?? '',
  ]);
  return csvStringify().stringify(records, {
    header: true,
    columns: COLUMNS,
    record_delimiter: '\r\n',
    // A line break inside a value is quoted whichever kind it is, not only the record delimiter.
    quoted_match: /[\r\n]/,
    cast: { string: defuseFormula },
  });
}
