import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';

test('publishing and finishing a send are announced once each, to the hooks that asked for them', async (t) => {
  const { services } = await buildTestApp(t, { env: { FETCH_ALLOW_PRIVATE: 'true' } });
  const editionsHook = await services.webhooks.create({ actor: OPERATOR, url: 'http://127.0.0.1:9/editions', events: ['edition.published', 'edition.sent'] });
  const readersHook = await services.webhooks.create({ actor: OPERATOR, url: 'http://127.0.0.1:9/readers', events: ['subscriber.confirmed'] });
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const link = await services.links.add({ actor: owner, input: { url: 'https://links.example/a', title: 'A', commentary: 'À lire.' } });
  await services.editions.put({
    period: '2024-06',
    input: { title: 'Juin 2024', intro: 'Une édition.', sections: [{ category: 'Ops', links: [link.link.id] }] },
  });
  await services.editions.publish({ period: '2024-06' });
  await services.editions.publish({ period: '2024-06' });
  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  await services.delivery.run({ sendId: send.id });
  await services.delivery.run({ sendId: send.id });

  const bodies = (await services.webhooks.get({ actor: OPERATOR, id: editionsHook.id })).deliveries
    .reverse()
    .map((delivery) => JSON.parse(delivery.body) as { type: string; data: Record<string, unknown> });
  assert.deepEqual(
    bodies.map((body) => body.type),
    ['edition.published', 'edition.sent'],
    'once each, however often publish and run are called',
  );
  assert.deepEqual([bodies[0]!.data.period, bodies[0]!.data.title, bodies[0]!.data.url], ['2024-06', 'Juin 2024', 'http://veille.test/2024/06/juin-2024']);
  assert.deepEqual([bodies[1]!.data.recipients, bodies[1]!.data.accepted], [1, 1]);
  const readers = (await services.webhooks.get({ actor: OPERATOR, id: readersHook.id })).deliveries;
  assert.deepEqual(
    readers.map((delivery) => delivery.event),
    ['subscriber.confirmed'],
  );
});
