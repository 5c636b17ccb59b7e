import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { audienceSize, EDITION_AUDIENCE, receivesEditions } from '../../../apps/domain/subscribers/subscribers-service.ts';
import { createSendsRepository } from '../../../db/repositories/sends-repository.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';

/** Readers in every status: two active, one pending, one unsubscribed, one bounced. */
async function readersOfEveryKind(testApp: TestApp) {
  const { services, database } = testApp;
  for (const email of ['ana@example.org', 'bob@example.org', 'left@example.org', 'gone@example.org'])
    await services.subscribers.add({ email, actor: OPERATOR });
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'test', ip: '127.0.0.1' });
  const [left] = (await services.subscribers.list({ q: 'left@', actor: OPERATOR })).rows;
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: left!.id }).split('token=')[1]! });
  const [gone] = (await services.subscribers.list({ q: 'gone@', actor: OPERATOR })).rows;
  await services.subscribers.recordBounce({ subscriberId: gone!.id });
  return {
    ids: async (sendId: string) =>
      (
        await database.pool.query<{ email: string }>(
          'SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.send_id = $1 ORDER BY s.email',
          [sendId],
        )
      ).rows.map((row) => row.email),
  };
}

/** A published edition of June 2024 with one link. */
async function publishedEdition(testApp: TestApp, clock = manualClock('2024-06-20T08:00:00Z')) {
  const { services } = testApp;
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.addLinks({
    id: draft.id,
    linkIds: [(await services.links.add({ actor: owner, input: { url: 'https://example.org/a', title: 'A', commentary: 'À lire.' } })).link.id],
  });
  return { draft, clock };
}

test('who receives an edition: active subscribers only, decided by the service', () => {
  assert.deepEqual(EDITION_AUDIENCE.statuses, ['active']);
  assert.equal(receivesEditions('active'), true);
  for (const status of ['pending', 'unsubscribed', 'bounced', null] as const) assert.equal(receivesEditions(status), false, String(status));
  assert.equal(audienceSize({ active: 3, pending: 5, unsubscribed: 7, bounced: 11 }), 3);
});

test('a send goes to the active subscribers, each once; the repository inserts exactly the audience it is given', async (t) => {
  const testApp = await buildTestApp(t);
  const { services, database } = testApp;
  const { draft } = await publishedEdition(testApp);
  await services.editions.publish({ id: draft.id });
  const { ids } = await readersOfEveryKind(testApp);

  const send = await services.delivery.start({ id: draft.id, actor: OPERATOR });
  assert.equal(send.total, 2);
  assert.deepEqual(await ids(send.id), ['ana@example.org', 'bob@example.org']);
  assert.match((await services.delivery.checks({ id: draft.id })).at(-1)!.message, /^2 active subscribers will receive it\.$/);

  // The repository decides nothing: given another audience, it inserts that one, except the
  // suppressed addresses, which no audience ever holds.
  const sends = createSendsRepository(database.db);
  const other = await services.editions.ensureDraft({ period: '2024-07' });
  const pendingOnly = await database.db.transaction((tx) =>
    sends.create({ editionId: other.id, startedBy: null, audience: { statuses: ['pending', 'unsubscribed', 'bounced'] } }, tx),
  );
  assert.deepEqual(await ids(pendingOnly!.id), ['left@example.org', 'pending@example.org'], 'the bounced address is suppressed: never mailed');
  assert.equal(
    await database.db.transaction((tx) => sends.create({ editionId: other.id, startedBy: null, audience: EDITION_AUDIENCE }, tx)),
    undefined,
    'one send per edition',
  );
});

test('a scheduled edition is published and sent by the tick, once however many ticks run together', async (t) => {
  const clock = manualClock('2024-06-20T08:00:00Z');
  const testApp = await buildTestApp(t, { clock });
  const { services } = testApp;
  const { draft } = await publishedEdition(testApp, clock);
  await readersOfEveryKind(testApp);
  await services.editions.schedule({ id: draft.id, at: '2024-06-30T18:00' });

  assert.deepEqual(await services.delivery.publishScheduled(), [], 'not due yet');
  clock.set('2024-06-30T18:00:30Z'); // the newsletter's time zone is UTC by default
  const outcomes = (
    await Promise.all([services.delivery.publishScheduled(), services.delivery.publishScheduled(), services.delivery.publishScheduled()])
  ).flat();
  assert.equal(outcomes.length, 1, 'exactly one tick publishes it');
  assert.equal(outcomes[0]!.edition.id, draft.id);
  assert.equal(outcomes[0]!.send?.total, 2, 'and starts its send to the active subscribers');
  assert.equal(outcomes[0]!.send?.startedBy, null, 'started by the schedule, not by someone');

  const status = await services.delivery.status({ id: draft.id, actor: OPERATOR });
  assert.equal(status.edition.status, 'published');
  assert.equal(status.send?.id, outcomes[0]!.send?.id);
  assert.deepEqual(await services.delivery.publishScheduled(), []);
  await services.delivery.run({ sendId: status.send!.id });
  assert.equal((await services.delivery.status({ id: draft.id, actor: OPERATOR })).progress?.sent, 2);
});
