import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { createSmtpMailer } from '../../../apps/domain/mail/mailer.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { signIn } from '../../helpers/client.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';

const OWNER = { name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' };

/** A published edition of June 2024 and `readers` active subscribers (reader0000@example.org...). */
async function publishedWithReaders(testApp: TestApp, readers: number) {
  const { services, database } = testApp;
  const owner = await services.accounts.setUpOwner(OWNER);
  const link = await services.links.add({ actor: owner, input: { url: 'https://links.example/a', title: 'Caddy 2.8', commentary: 'À lire.' } });
  await services.editions.put({
    period: '2024-06',
    input: { title: 'Juin 2024', intro: 'Une édition.', sections: [{ category: 'Ops', links: [link.link.id] }] },
  });
  await services.editions.publish({ period: '2024-06' });
  await database.pool.query(
    `INSERT INTO subscribers (email, status, source, confirmed_at)
     SELECT 'reader' || lpad(i::text, 4, '0') || '@example.org', 'active', 'test', now() FROM generate_series(0, $1 - 1) AS i`,
    [readers],
  );
}

test('a send whose SMTP refusals pass 5% after 1,000 messages pauses itself with the reason on its page; resumed, it finishes', async (t) => {
  // One address in 16 does not exist: 6.25% of the messages are refused for good.
  const sink = await startSmtpSink(t, {
    reject: (recipient) => (Number(/\d+/.exec(recipient)?.[0]) % 16 === 0 ? { code: 550, message: '5.1.1 <' + recipient + '>: user unknown' } : undefined),
  });
  const testApp = await buildTestApp(t, { mailer: createSmtpMailer({ url: sink.url, from: 'Veille <news@veille.test>', maxConnections: 4 }) });
  const { services, app } = testApp;
  await publishedWithReaders(testApp, 1500);

  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal(send.total, 1500);
  await services.delivery.run({ sendId: send.id });
  const paused = await services.delivery.status({ period: '2024-06', actor: OPERATOR });
  assert.equal(paused.send!.status, 'paused');
  assert.match(paused.send!.pauseReason!, /^Paused automatically: 6(\.\d)?% of the [\d,]+ messages sent so far bounced \(the limit is 5%\)/);
  const handed = paused.feedback!.messages;
  assert.ok(handed >= 1000 && handed < 1500, `paused after the first 1,000 messages, before the end (${handed})`);
  assert.equal(paused.feedback!.bounced, paused.progress!.failed, 'each synchronous refusal counted as a bounce');

  const client = await signIn(app, OWNER.email, OWNER.password);
  const page = await client.get('/admin/editions/2024-06/delivery');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /role="alert">Paused automatically: 6(\.\d)?% of the/);
  assert.match(page.body, /\d+ bounced \(6(\.\d)?%\) · 0 soft bounces · 0 spam complaints \(0%\)/);
  assert.match(page.body, /<td>bounced<\/td>/, 'the report names the bounced messages');
  const dashboard = await client.get('/admin');
  assert.match(dashboard.body, /Juin 2024<\/a>: [\d,]+ messages, 6(\.\d)?% bounced, 0% spam complaints \(paused\)/);

  // The editor resumes: the rates are counted again over the next 1,000 messages, fewer are left.
  await services.delivery.resume({ period: '2024-06' });
  await services.delivery.run({ sendId: send.id });
  const done = await services.delivery.status({ period: '2024-06', actor: OPERATOR });
  assert.equal(done.send!.status, 'done');
  assert.equal(done.send!.pauseReason, null);
  assert.equal(done.progress!.sent + done.progress!.failed, 1500);
  assert.equal(done.progress!.failed, 94, 'every address in 16 refused, and only those');
  assert.equal(sink.received.length, 1500 - 94, 'each existing address got the edition once');
  assert.equal((await services.subscribers.counts()).bounced, 94, 'the refused addresses are bounced');
});
