import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

/** The address Veille records for a subscription sent from `remoteAddress` with this X-Forwarded-For. */
async function recordedAddresses(
  t: TestContext,
  trustProxy: string | undefined,
  requests: Array<{ from: string; forwardedFor?: string }>,
): Promise<Array<string | null | undefined>> {
  const { app, services } = await buildTestApp(t, { env: trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy } });
  const addresses = [];
  for (const [index, request] of requests.entries()) {
    const email = `reader${index}@example.org`;
    const response = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: request.from,
      payload: new URLSearchParams({ email }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(request.forwardedFor ? { 'x-forwarded-for': request.forwardedFor } : {}) },
    });
    assert.equal(response.statusCode, 200);
    addresses.push((await services.subscribers.list({ actor: OPERATOR })).rows.find((row) => row.email === email)?.consent?.ip);
  }
  return addresses;
}

test('X-Forwarded-For is believed only from the proxies TRUST_PROXY names, never from every hop', async (t) => {
  const spoofed = '6.6.6.6, 203.0.113.9';
  // Off: the socket's address, whatever the header says.
  assert.deepEqual(await recordedAddresses(t, undefined, [{ from: '127.0.0.1', forwardedFor: spoofed }]), ['127.0.0.1']);
  // true: a proxy on this machine or a private network hands over the address it saw; the
  // client's own additions before it, and a client reaching the app directly, are not believed.
  assert.deepEqual(
    await recordedAddresses(t, 'true', [
      { from: '127.0.0.1', forwardedFor: spoofed },
      { from: '172.18.0.5', forwardedFor: '203.0.113.10' },
      { from: '198.51.100.7', forwardedFor: '6.6.6.6' },
    ]),
    ['203.0.113.9', '203.0.113.10', '198.51.100.7'],
  );
  // A number of hops: that many proxies in a row.
  assert.deepEqual(await recordedAddresses(t, '2', [{ from: '127.0.0.1', forwardedFor: '6.6.6.6, 203.0.113.9, 10.0.0.3' }]), ['203.0.113.9']);
  // A list: only those addresses.
  assert.deepEqual(
    await recordedAddresses(t, '10.1.0.0/16', [
      { from: '10.1.2.3', forwardedFor: spoofed },
      { from: '10.2.0.1', forwardedFor: spoofed },
    ]),
    ['203.0.113.9', '10.2.0.1'],
  );
});
