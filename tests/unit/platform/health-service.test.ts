import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHealthService } from '../../../apps/domain/platform/health-service.ts';

test('healthy when the database answers; unavailable, with why, when it fails or hangs', async () => {
  assert.deepEqual(await createHealthService({ ping: async () => undefined }).check(), { status: 'ok' });

  const failed = await createHealthService({ ping: async () => Promise.reject(new Error('connection refused')) }).check();
  assert.equal(failed.status, 'unavailable');
  assert.match(String((failed as { error: Error }).error.message), /connection refused/);

  const hung = await createHealthService({ ping: () => new Promise(() => undefined), timeoutMs: 1 }).check();
  assert.deepEqual({ status: hung.status, reason: (hung as { reason: string }).reason }, { status: 'unavailable', reason: 'database' });
  assert.match(String((hung as { error: Error }).error.message), /timed out/);
});
