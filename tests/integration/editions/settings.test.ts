import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { until } from '../../helpers/wait.ts';

const INJECTED = 'Veille\r\nBcc: attacker@evil.example';

/** The raw .eml written for `to`, once the worker has sent it. */
async function rawEmailTo(outboxDir: string, to: string): Promise<string> {
  return until(`an email to ${to}`, async () => {
    for (const file of await readdir(outboxDir).catch(() => [] as string[])) {
      const raw = await readFile(path.join(outboxDir, file), 'utf8');
      if (raw.includes(`To: ${to}`)) return raw;
    }
    return undefined;
  });
}

test('one-line settings refuse line breaks and control characters, with the reason beside the field', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  for (const [field, value] of [
    ['newsletterName', INJECTED],
    ['senderName', 'Nicolas\nBcc: attacker@evil.example'],
    ['titleTemplate', '{name}\r\nX-Evil: 1'],
    ['newsletterName', 'Veille\u0007'],
  ] as const) {
    const response = await owner.postForm('/admin/settings', { newsletterName: 'Veille', description: '', [field]: value });
    // Line breaks reach the settings' own rule; other control characters are refused for every form
    // before it, and the form comes back with the rest of the text.
    if (value.includes('\u0007')) {
      assert.equal(response.statusCode, 422, field);
      assert.match(response.body, new RegExp(`${field}.*control character`), field);
      assert.match(response.body, /name="newsletterName" type="text" value="Veille"/, field);
    } else {
      assert.equal(response.statusCode, 422, field);
      assert.match(response.body, /must be on one line, without control characters/, field);
    }
    await assert.rejects(
      services.settings.update({ actor: OPERATOR, input: { [field]: value } }),
      (error: unknown) => error instanceof ValidationError && /one line/.test(error.fields[field] ?? ''),
    );
  }
  assert.equal((await services.settings.get()).newsletterName, 'Veille');
  // Several lines stay fine where they are meant: the description.
  const described = await owner.postForm('/admin/settings', {
    newsletterName: 'Web, Ops & Data',
    description: 'Une veille\nmensuelle.',
    senderName: 'Nicolas "N." Martin',
  });
  assert.equal(described.statusCode, 303);
  assert.equal((await services.settings.get()).description, 'Une veille\nmensuelle.');
  assert.equal((await owner.postForm('/admin/settings', { newsletterName: 'Veille', description: 'bell\u0007' })).statusCode, 422);
});

test('no setting can add a header to the emails, even one stored before this rule', async (t) => {
  const { services, database, outboxDir, changes } = await buildTestApp(t, { worker: true });
  await services.settings.update({
    actor: OPERATOR,
    input: { newsletterName: 'Web, Ops & Data', senderName: 'Nicolas "N." Martin', senderEmail: 'news@veille.test' },
  });
  await services.subscribers.subscribe({ email: 'reader@example.org', form: 'test', ip: '127.0.0.1' });
  const clean = await PostalMime.parse(await rawEmailTo(outboxDir, 'reader@example.org'));
  assert.deepEqual(clean.from, { address: 'news@veille.test', name: 'Nicolas "N." Martin' });
  assert.equal(clean.subject, 'Confirm your subscription to Web, Ops & Data');

  // Values written by an older version or straight into the table are not used as they are.
  await database.pool.query(`UPDATE settings SET value = $2 WHERE key = $1`, ['newsletterName', JSON.stringify(INJECTED)]);
  await database.pool.query(`UPDATE settings SET value = $2 WHERE key = $1`, ['senderName', JSON.stringify('Nicolas\r\nBcc: attacker@evil.example')]);
  // Written behind the app's back, as another process would: read once its notice is heard.
  await changes.sync();
  const current = await services.settings.get();
  assert.equal(current.newsletterName, 'Veille', 'an invalid stored value falls back to its default');
  assert.equal(current.senderName, '');
  await services.subscribers.subscribe({ email: 'second@example.org', form: 'test', ip: '127.0.0.1' });
  const raw = await rawEmailTo(outboxDir, 'second@example.org');
  const headers = raw.slice(0, raw.search(/\r?\n\r?\n/));
  assert.doesNotMatch(headers, /^bcc:/im);
  assert.doesNotMatch(raw, /attacker@evil\.example/);
  const parsed = await PostalMime.parse(raw);
  assert.deepEqual(
    parsed.to?.map((address) => address.address),
    ['second@example.org'],
  );
  assert.equal(parsed.subject, 'Confirm your subscription to Veille');
});

test('the settings offer the time zones as a list and preview the title the template gives', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const page = await owner.get('/admin/settings');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<input id="f-timeZone"[^>]* list="time-zones"/);
  assert.match(page.body, /<datalist id="time-zones">[\s\S]*<option value="America\/New_York">[\s\S]*<option value="Europe\/Paris">/);
  assert.match(page.body, /hx-get="\/admin\/settings\/title-preview"/);

  const preview = await owner.get(
    `/admin/settings/title-preview?${new URLSearchParams({ titleTemplate: '{name} - {month} {year}', newsletterName: 'Veille', locale: 'fr', cadence: 'monthly' })}`,
  );
  assert.equal(preview.statusCode, 200);
  // The period's words follow the newsletter's language; the sentence around them, the admin's.
  assert.match(preview.body, /<strong lang="fr">Veille - [a-zéû]+ 20\d\d<\/strong>/);
  assert.match(preview.body, /edition will be titled/);
  const refused = await owner.get(`/admin/settings/title-preview?${new URLSearchParams({ titleTemplate: '{name}\r\nX-Evil: 1' })}`);
  assert.equal(refused.statusCode, 200);
  assert.match(refused.body, /class="field-error">The title template must be on one line/);
  // Whatever is not a setting falls back on the saved one.
  const fallback = await owner.get(`/admin/settings/title-preview?${new URLSearchParams({ locale: 'xx', cadence: 'hourly' })}`);
  assert.match(fallback.body, /<strong lang="en">Veille - [A-Z][a-z]+ 20\d\d<\/strong>/);
});

test('a web process keeps the settings in memory and drops them when another instance changes them', async (t) => {
  const first = await buildTestApp(t);
  const owner = await setUpOwner(first.app);
  const second = await buildTestApp(t, { databaseUrl: first.databaseUrl });
  await until('the first instance listening', async () => first.changes.mode() === 'listening');
  await second.services.settings.update({ actor: OPERATOR, input: { newsletterName: 'Web, Ops & Data' } });
  await first.changes.sync();
  const brand = async () => /<a class="brand" href="\/admin">([^<]*)<\/a>/.exec((await owner.get('/admin/inbox')).body)?.[1];
  assert.equal(await brand(), 'Web, Ops &amp; Data');

  // Kept in memory: a write that sends no notice (the trigger disabled) is not seen...
  await first.database.pool.query('ALTER TABLE settings DISABLE TRIGGER settings_notify_public');
  await first.database.pool.query(`UPDATE settings SET value = $2 WHERE key = $1`, ['newsletterName', JSON.stringify('Unheard')]);
  await first.database.pool.query('ALTER TABLE settings ENABLE TRIGGER settings_notify_public');
  await first.changes.sync();
  assert.equal(await brand(), 'Web, Ops &amp; Data', 'the page is drawn from what the process keeps');

  // ...and a change made by another instance is, as soon as its notice arrives.
  await second.services.settings.update({ actor: OPERATOR, input: { newsletterName: 'Renamed elsewhere' } });
  await until('the new name on the first instance', async () => (await brand()) === 'Renamed elsewhere');
  assert.equal((await first.services.settings.get()).newsletterName, 'Renamed elsewhere');
});
