import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subscriber } from '../../../db/repositories/subscribers-repository.ts';
import { defuseFormula, subscribersCsv } from '../../../apps/domain/subscribers/subscriber-export.ts';

const AT = new Date('2024-06-01T10:00:00.000Z');

function subscriber(overrides: Partial<Subscriber>): Subscriber {
  return {
    id: 'x',
    email: 'reader@example.org',
    status: 'active',
    source: 'form',
    consent: null,
    createdAt: AT,
    updatedAt: AT,
    confirmedAt: null,
    unsubscribedAt: null,
    bouncedAt: null,
    ...overrides,
  };
}

test('the CSV has its header, one CRLF-terminated line per reader, and empty cells for what is missing', () => {
  assert.equal(subscribersCsv([]), 'email,status,created_at,confirmed_at,unsubscribed_at,source,consent_at,consent_ip,consent_form\r\n');
  const csv = subscribersCsv([
    subscriber({ confirmedAt: AT, consent: { at: '2024-06-01T09:59:00.000Z', ip: '203.0.113.9', form: 'home', text: 'Get every edition' } }),
    subscriber({ email: 'left@example.org', status: 'unsubscribed', source: 'admin', unsubscribedAt: AT }),
  ]);
  assert.equal(
    csv,
    'email,status,created_at,confirmed_at,unsubscribed_at,source,consent_at,consent_ip,consent_form\r\n' +
      'reader@example.org,active,2024-06-01T10:00:00.000Z,2024-06-01T10:00:00.000Z,,form,2024-06-01T09:59:00.000Z,203.0.113.9,home\r\n' +
      'left@example.org,unsubscribed,2024-06-01T10:00:00.000Z,,2024-06-01T10:00:00.000Z,admin,,,\r\n',
  );
});

test('commas, quotes and line breaks are quoted; formulas are defused for spreadsheets', () => {
  for (const [value, cell] of [
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\ronly', '"cr\ronly"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tindent', "'\tindent"],
    ['plain', 'plain'],
  ] as const) {
    const line = subscribersCsv([subscriber({ consent: { at: '', ip: null, form: value, text: '' } })]).split('\r\n')[1]!;
    assert.equal(line.slice(line.lastIndexOf(',,') + 2), cell, JSON.stringify(value));
  }
  assert.equal(defuseFormula('=1+1'), "'=1+1");
  assert.equal(defuseFormula('reader@example.org'), 'reader@example.org');
});
