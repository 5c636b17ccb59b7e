import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { stopProcess, waitFor, type AppProcess } from '../../helpers/process.ts';
import { publishedEditionWithReaders, startWorkerProcess } from '../../helpers/send-fixture.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const SUBSCRIBERS = 300;

test('two worker processes share one send: both take part and no reader gets two copies', async (t) => {
  const workers: AppProcess[] = [];
  // Registered first so that it runs first: the workers stop before the database and the sinks go.
  t.after(async () => {
    for (const { child } of workers) await stopProcess(child, 'SIGKILL');
  });
  // One relay per worker, so that each message says which worker sent it; a slow one, so that
  // the send lasts long enough for both workers to be at it.
  const sinks = [await startSmtpSink(t, { delayMs: 10 }), await startSmtpSink(t, { delayMs: 10 })];
  const testApp = await buildTestApp(t);
  const readers = await publishedEditionWithReaders(testApp, SUBSCRIBERS);
  for (const sink of sinks) workers.push(startWorkerProcess(testApp, sink.url, { SEND_CONCURRENCY: '3' }));
  const output = () => workers.map((worker, index) => `--- worker ${index + 1} ---\n${worker.output()}`).join('\n');

  const send = await testApp.services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal(send.total, SUBSCRIBERS);
  const final = await waitFor(
    'the send to be done',
    120_000,
    async () => {
      for (const worker of workers) if (worker.child.exitCode !== null) assert.fail(`a worker exited (${worker.child.exitCode})\n${output()}`);
      const status = await testApp.services.delivery.status({ period: '2024-06', actor: OPERATOR });
      return status.send?.status === 'done' ? status : undefined;
    },
    output,
  );
  for (const worker of workers) await stopProcess(worker.child, 'SIGTERM', 30_000);
  assert.deepEqual({ sent: final.progress!.sent, failed: final.progress!.failed }, { sent: SUBSCRIBERS, failed: 0 });

  const [first, second] = sinks.map((sink) => sink.received.flatMap((message) => message.envelopeTo));
  t.diagnostic(`worker 1 sent ${first!.length}, worker 2 sent ${second!.length}`);
  assert.ok(first!.length > 0 && second!.length > 0, `both workers took part (${first!.length} and ${second!.length})`);
  const all = [...first!, ...second!].sort();
  assert.equal(new Set(all).size, all.length, 'no reader got two copies');
  assert.deepEqual(all, readers, 'every reader got the edition, and nobody else');
});
