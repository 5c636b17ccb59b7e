import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

/** A draft of `period` holding two links of Ops, the second without commentary (a warning). */
async function draftWithLinks({ services }: TestApp, period: string): Promise<void> {
  const [owner] = await services.accounts.listUsers();
  const ids: string[] = [];
  for (const [index, commentary] of ['À lire.', ''].entries()) {
    const { link } = await services.links.add({
      actor: owner!,
      input: { url: `https://links.example/${period}/${index}`, title: `Lien ${period} ${index}`, commentary },
    });
    ids.push(link.id);
  }
  await services.editions.put({ period, input: { title: `Édition ${period}`, sections: [{ category: 'Ops', links: ids }] } });
}

test('the publish screen lists the checks, starts the link check by POST only, and each of its three choices needs the warnings acknowledged', async (t) => {
  const testApp = await buildTestApp(t);
  const { app, services } = testApp;
  const client = await setUpOwner(app);
  await services.categories.create({ name: 'Ops' });
  for (const email of ['a@readers.test', 'b@readers.test']) await services.subscribers.add({ email, actor: OPERATOR });
  for (const period of ['2024-06', '2024-07', '2024-08']) await draftWithLinks(testApp, period);

  const editor = await client.get('/admin/editions/2024-06');
  assert.match(editor.body, /href="\/admin\/editions\/2024-06\/preflight">Publish…<\/a>/, 'the editor’s Publish opens the screen');

  const screen = await client.get('/admin/editions/2024-06/preflight');
  assert.equal(screen.statusCode, 200);
  assert.match(screen.body, /Warnings: they do not block/);
  assert.match(screen.body, /1 link has no commentary: “Lien 2024-06 1”/);
  assert.match(screen.body, /2 active subscribers will receive it\./);
  assert.match(screen.body, /Publish and send to 2 readers/);
  assert.match(screen.body, /Publish on the web only/);
  assert.match(screen.body, /name="choice" value="schedule"/);
  assert.match(screen.body, /I have read the warnings/);
  assert.match(screen.body, /hx-post="\/admin\/editions\/2024-06\/link-check\/ensure" hx-trigger="load"/, 'the screen asks for the link check by POST');
  assert.match(screen.body, /hx-get="\/admin\/editions\/2024-06\/preflight\/checks" hx-trigger="every 2s"/, 'and polls the checks until the links are known');
  assert.equal((await services.linkCheck.status({ edition: '2024-06' })).status, 'none', 'showing the screen starts nothing');

  const ensured = await client.postForm('/admin/editions/2024-06/link-check/ensure', {}, { 'hx-request': 'true' });
  assert.equal(ensured.statusCode, 200);
  assert.equal((await services.linkCheck.status({ edition: '2024-06' })).status, 'running', 'the POST started it');
  const polled = await client.get('/admin/editions/2024-06/preflight/checks', { 'hx-request': 'true' });
  assert.equal(polled.statusCode, 200);
  assert.match(polled.body, /Checking links… \(0 of 2\)/, 'the polled list shows the check as it runs');

  // Warnings do not block, but are read first: without the tick, nothing happens.
  const unread = await client.postForm('/admin/editions/2024-06/preflight', { choice: 'web' });
  assert.equal(unread.statusCode, 422);
  assert.match(unread.body, /Tick “I have read the warnings” to go ahead/);
  assert.equal((await services.editions.find({ period: '2024-06' })).status, 'draft');

  // On the web only: published, no send.
  const web = await client.postForm('/admin/editions/2024-06/preflight', { choice: 'web', acknowledged: 'yes' });
  assert.equal(web.statusCode, 303);
  assert.equal(web.headers.location, '/admin/editions/2024-06');
  assert.equal((await services.editions.find({ period: '2024-06' })).status, 'published');
  assert.equal((await services.delivery.status({ period: '2024-06', actor: null })).send, undefined, 'nobody gets an email');

  // Published and sent to the two readers.
  const sent = await client.postForm('/admin/editions/2024-07/preflight', { choice: 'send', acknowledged: 'yes' });
  assert.equal(sent.statusCode, 303);
  assert.equal(sent.headers.location, '/admin/editions/2024-07/delivery');
  assert.equal((await services.editions.find({ period: '2024-07' })).status, 'published');
  const delivery = await services.delivery.status({ period: '2024-07', actor: null });
  assert.equal(delivery.progress?.total, 2, 'the send goes to the two readers');

  // Scheduled: a time is needed, then the edition waits for it.
  const undated = await client.postForm('/admin/editions/2024-08/preflight', { choice: 'schedule', acknowledged: 'yes', scheduledAt: '' });
  assert.equal(undated.statusCode, 422);
  assert.match(undated.body, /Give a date and a time/);
  assert.equal((await services.editions.find({ period: '2024-08' })).status, 'draft');
  const later = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 16);
  const scheduled = await client.postForm('/admin/editions/2024-08/preflight', { choice: 'schedule', acknowledged: 'yes', scheduledAt: later });
  assert.equal(scheduled.statusCode, 303);
  const row = await services.editions.find({ period: '2024-08' });
  assert.equal(row.status, 'scheduled');
  assert.ok(row.scheduledAt && row.scheduledAt.getTime() > Date.now());
  assert.equal((await services.delivery.status({ period: '2024-08', actor: null })).send, undefined, 'sent when it comes out, not before');

  const unknown = await client.postForm('/admin/editions/2024-08/preflight', { choice: 'print', acknowledged: 'yes' });
  assert.ok(unknown.statusCode >= 400 && unknown.statusCode < 500, `an unknown choice is refused (${unknown.statusCode})`);
});

test('an error among the checks blocks all three choices: the screen offers none, and a post is refused', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  await services.subscribers.add({ email: 'a@readers.test', actor: OPERATOR });
  await services.editions.ensureDraft({ period: '2024-05' });

  const screen = await client.get('/admin/editions/2024-05/preflight');
  assert.equal(screen.statusCode, 200);
  assert.match(screen.body, /Errors: publishing waits until they are fixed/);
  assert.match(screen.body, /Fix the errors above in the editor first/);
  assert.doesNotMatch(screen.body, /name="choice"/, 'no choice is offered');

  for (const choice of ['send', 'web', 'schedule']) {
    const refused = await client.postForm('/admin/editions/2024-05/preflight', {
      choice,
      acknowledged: 'yes',
      scheduledAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 16),
    });
    assert.equal(refused.statusCode, 422, choice);
    assert.match(refused.body, /role="alert"/, choice);
  }
  assert.equal((await services.editions.find({ period: '2024-05' })).status, 'draft');
  assert.equal((await services.delivery.status({ period: '2024-05', actor: null })).send, undefined);
});
