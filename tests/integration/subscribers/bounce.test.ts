import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp } from '../../helpers/app.ts';

test('a bounce suppresses the address for good, counts one departure, and changes nothing a second time or for someone gone', async (t) => {
  const clock = manualClock('2024-06-20T08:00:00Z');
  const { services, database } = await buildTestApp(t, { clock });
  const active = await services.subscribers.add({ email: 'nobody@example.org', actor: OPERATOR });
  const left = await services.subscribers.add({ email: 'left@example.org', actor: OPERATOR });
  await services.subscribers.unsubscribe({ token: services.subscribers.unsubscribeUrl({ subscriberId: left.id }).split('token=')[1]! });
  const events = async () =>
    (await database.pool.query<{ kind: string; count: number }>('SELECT kind, count(*)::int AS count FROM subscription_events GROUP BY kind ORDER BY kind'))
      .rows;
  const before = await events();

  clock.advance(60_000);
  await services.subscribers.recordBounce({ subscriberId: active.id });
  const [bounced] = (await services.subscribers.list({ q: 'nobody@', actor: OPERATOR })).rows;
  assert.equal(bounced?.status, 'bounced');
  assert.equal(bounced?.bouncedAt?.toISOString(), '2024-06-20T08:01:00.000Z');
  assert.deepEqual(
    await events(),
    [...before, { kind: 'bounced', count: 1 }].sort((a, b) => a.kind.localeCompare(b.kind)),
  );

  // Once is enough: a second bounce, one for a reader who had left, one for an erased reader.
  await services.subscribers.recordBounce({ subscriberId: active.id });
  await services.subscribers.recordBounce({ subscriberId: left.id });
  await services.subscribers.recordBounce({ subscriberId: '00000000-0000-4000-8000-000000000000' });
  assert.deepEqual(
    (await events()).find((row) => row.kind === 'bounced'),
    { kind: 'bounced', count: 1 },
    'one departure counted',
  );
  assert.equal((await services.subscribers.list({ q: 'left@', actor: OPERATOR })).rows[0]?.status, 'bounced', 'a reader who left is suppressed too');
  assert.deepEqual(await services.subscribers.counts(), { pending: 0, active: 0, unsubscribed: 0, bounced: 2 });

  // A bounced address does not come back by the unsubscribe page's "subscribe again".
  const token = await services.subscribers.undoToken({ subscriber: bounced! });
  assert.equal(token, undefined);
});
