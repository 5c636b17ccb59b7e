import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubscriberCsv } from '../../../apps/domain/subscribers/subscriber-import.ts';

test('Substack, Buttondown, Mailchimp and listmonk exports: email, confirmation and date', () => {
  const substack = parseSubscriberCsv(
    'email,active_subscription,expiry,plan,email_disabled,created_at\nana@example.org,true,,free,false,2021-03-04T10:00:00.000Z\nbob@example.org,false,,free,true,2022-01-01T00:00:00.000Z\n',
  );
  assert.equal(substack.format, 'Substack');
  assert.deepEqual(
    substack.rows.map((row) => [row.email, row.confirmed, row.createdAt?.toISOString().slice(0, 10)]),
    [
      ['ana@example.org', true, '2021-03-04'],
      ['bob@example.org', false, '2022-01-01'],
    ],
  );

  const buttondown = parseSubscriberCsv('email,creation_date,subscriber_type,tags\nc@example.org,2020-05-06,regular,\nd@example.org,2020-05-07,unactivated,\n');
  assert.equal(buttondown.format, 'Buttondown');
  assert.deepEqual(
    buttondown.rows.map((row) => row.confirmed),
    [true, false],
  );

  const mailchimp = parseSubscriberCsv(
    'Email Address,First Name,OPTIN_TIME,CONFIRM_TIME\ne@example.org,E,2019-01-01 10:00:00,2019-01-01 10:05:00\nf@example.org,F,2019-01-02 10:00:00,\n',
  );
  assert.equal(mailchimp.format, 'Mailchimp');
  assert.deepEqual(
    mailchimp.rows.map((row) => row.confirmed),
    [true, false],
  );

  const listmonk = parseSubscriberCsv('email,name,attributes,status\ng@example.org,G,{},enabled\nh@example.org,H,{},blocklisted\n');
  assert.equal(listmonk.format, 'listmonk');
  assert.deepEqual(
    listmonk.rows.map((row) => row.confirmed),
    [true, false],
  );
});

test('plain lists, semicolons, duplicates, invalid rows and Windows-1252 files', () => {
  const plain = parseSubscriberCsv('one@example.org\ntwo@example.org\nONE@example.org\nnot-an-address\n\n');
  assert.deepEqual(
    plain.rows.map((row) => [row.line, row.email, row.confirmed]),
    [
      [1, 'one@example.org', false],
      [2, 'two@example.org', false],
    ],
  );
  assert.deepEqual(
    plain.repeated.map((row) => row.line),
    [3],
  );
  assert.deepEqual(
    plain.invalid.map((row) => row.line),
    [4],
  );

  const semicolons = parseSubscriberCsv('Email;Nom\nx@example.org;Zoé\n');
  assert.deepEqual(
    semicolons.rows.map((row) => row.email),
    ['x@example.org'],
  );

  const latin = parseSubscriberCsv(Buffer.from('email,name\nrené@example.org,René\n', 'latin1'));
  assert.equal(latin.invalid.length + latin.rows.length, 1, 'read, not rejected');

  assert.throws(() => parseSubscriberCsv('name,city\nAna,Lyon\n'), /No email column/);
  assert.throws(() => parseSubscriberCsv(''), /empty/);
  assert.throws(() => parseSubscriberCsv('email\n"unterminated@example.org\n'), /not a CSV file/);
});

test('100,000 rows are read in one go', () => {
  const rows = Array.from({ length: 100_000 }, (_, index) => `reader${index}@example.org,true,2023-01-01`).join('\n');
  const parsed = parseSubscriberCsv(`email,active_subscription,created_at\n${rows}\n`);
  assert.equal(parsed.rows.length, 100_000);
  assert.equal(parsed.invalid.length, 0);
});
