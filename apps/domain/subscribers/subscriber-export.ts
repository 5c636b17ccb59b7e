// The subscribers' CSV an owner downloads: every reader with their status, dates and consent
// record, in a file any spreadsheet opens without running what it holds.
import type { Subscriber } from '../../../db/repositories/subscribers-repository.ts';

const HEADER = 'email,status,created_at,confirmed_at,unsubscribed_at,source,consent_at,consent_ip,consent_form';

/** Quotes a CSV field when it needs it, and defuses spreadsheet formulas. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The CSV of the given subscribers, CRLF-terminated as RFC 4180 writes it. */
export function subscribersCsv(rows: Subscriber[]): string {
  const lines = [
    HEADER,
    ...rows.map((row) =>
      [row.email, row.status, row.createdAt.toISOString(), row.confirmedAt?.toISOString() ?? '', row.unsubscribedAt?.toISOString() ?? '', row.source, row.consent?.at ?? '', row.consent?.ip ?? '', row.consent?.form ?? '']
        .map(csvField)
        .join(','),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
