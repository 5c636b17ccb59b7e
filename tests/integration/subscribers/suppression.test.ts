import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { createSmtpMailer } from '../../../apps/domain/mail/mailer.ts';
import { createSubscriberTokens } from '../../../apps/domain/subscribers/subscribers-service.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';

const status = async (testApp: TestApp, email: string) => {
  const row = (await testApp.services.subscribers.list({ q: email, actor: OPERATOR })).rows.find((candidate) => candidate.email === email);
  return row ? `${row.status}${row.suppressed ? `/${row.suppressed}` : ''}` : 'none';
};

test('a suppressed address is never mailed: no manual add, no CSV import, no undo button; only a new confirmed subscription lifts it', async (t) => {
  const testApp = await buildTestApp(t);
  const { services, config } = testApp;
  const spam = await services.subscribers.add({ email: 'spam@example.org', actor: OPERATOR });
  const gone = await services.subscribers.add({ email: 'gone@example.org', actor: OPERATOR });
  await services.subscribers.recordComplaint({ subscriberId: spam.id, source: 'postmark' });
  await services.subscribers.recordBounce({ subscriberId: gone.id, source: 'ses' });
  // Erased, the reader leaves no address behind; the suppression stays (by a hash of it).
  await services.subscribers.erase({ actor: OPERATOR, id: gone.id });
  assert.equal(await status(testApp, 'spam@example.org'), 'unsubscribed/complaint');

  await assert.rejects(services.subscribers.add({ email: 'SPAM@example.org', actor: OPERATOR }), /suppressed: its reader reported an edition as spam/);
  await assert.rejects(services.subscribers.add({ email: 'gone@example.org', actor: OPERATOR }), /suppressed: it bounced/);
  const unsubscribed = (await services.subscribers.list({ q: 'spam@', actor: OPERATOR })).rows[0]!;
  assert.equal(await services.subscribers.undoToken({ subscriber: unsubscribed }), undefined, 'no "subscribe again" after a complaint');

  // A later CSV import brings neither back.
  const csv = Buffer.from(['email', 'gone@example.org', 'Spam@example.org', 'new@example.org'].join('\n'));
  const preview = await services.subscribers.previewImport({ actor: OPERATOR, content: csv, filename: 'list.csv' });
  assert.deepEqual(
    preview.suppressed.map((row) => row.value),
    ['gone@example.org'],
  );
  assert.equal(preview.active + preview.pending, 1);
  await services.subscribers.runImport({ actor: OPERATOR, id: preview.id });
  assert.equal(await status(testApp, 'gone@example.org'), 'none');
  assert.equal(await status(testApp, 'spam@example.org'), 'unsubscribed/complaint');
  assert.notEqual(await status(testApp, 'new@example.org'), 'none');

  // The reader subscribes again from the site: pending until they confirm by email.
  await services.subscribers.subscribe({ email: 'spam@example.org', form: 'home', ip: '127.0.0.1' });
  assert.equal(await status(testApp, 'spam@example.org'), 'pending/complaint');
  const token = createSubscriberTokens(config.sessionSecret).issue('confirm', spam.id, new Date(Date.now() + 3600_000));
  await services.subscribers.confirm({ token });
  assert.equal(await status(testApp, 'spam@example.org'), 'active', 'confirmed by email: the suppression is lifted');
});

test('soft bounces suppress an address after SOFT_BOUNCE_LIMIT sends in a row; a message that arrives in between starts the count again', async (t) => {
  // The mailbox is full: a permanent refusal that does not say the address does not exist.
  let full = new Set(['full@example.org', 'flaky@example.org']);
  const sink = await startSmtpSink(t, { reject: (recipient) => (full.has(recipient) ? { code: 552, message: '5.2.2 Mailbox full' } : undefined) });
  const testApp = await buildTestApp(t, {
    env: { SOFT_BOUNCE_LIMIT: '2' },
    mailer: createSmtpMailer({ url: sink.url, from: 'Veille <news@veille.test>', maxConnections: 2 }),
  });
  const { services } = testApp;
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  for (const email of ['full@example.org', 'flaky@example.org', 'fine@example.org']) await services.subscribers.add({ email, actor: OPERATOR });
  const sendEdition = async (period: string) => {
    const link = await services.links.add({ actor: owner, input: { url: `https://links.example/${period}`, title: period, commentary: 'À lire.' } });
    await services.editions.put({
      period,
      input: { title: `Edition ${period}`, intro: 'Une édition.', sections: [{ category: 'Ops', links: [link.link.id] }] },
    });
    await services.editions.publish({ period });
    const send = await services.delivery.start({ period, actor: OPERATOR });
    await services.delivery.run({ sendId: send.id });
    return services.delivery.status({ period, actor: OPERATOR });
  };

  const first = await sendEdition('2024-06');
  assert.equal(first.feedback!.bounced, 2, 'refused by the SMTP server: counted in the send’s bounce rate');
  assert.deepEqual(
    first.report.filter((row) => row.feedback).map((row) => `${row.email} ${row.feedback}`),
    ['full@example.org soft_bounce', 'flaky@example.org soft_bounce'],
  );
  assert.equal(await status(testApp, 'full@example.org'), 'active');
  full = new Set(['full@example.org']);
  await sendEdition('2024-07');
  assert.equal(await status(testApp, 'full@example.org'), 'bounced/soft_bounces', 'two sends in a row soft-bounced');
  assert.equal(await status(testApp, 'flaky@example.org'), 'active', 'its second message arrived');
  full = new Set(['flaky@example.org']);
  const third = await sendEdition('2024-08');
  assert.equal(third.send!.total, 2, 'the suppressed address is not in the next send');
  assert.equal(await status(testApp, 'flaky@example.org'), 'active', 'one soft bounce since the last message that arrived');
  assert.equal(sink.received.filter((message) => message.envelopeTo.includes('full@example.org')).length, 0);
});
