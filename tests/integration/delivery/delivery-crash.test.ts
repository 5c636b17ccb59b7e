import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp } from '../../helpers/app.ts';
import { stopProcess, waitFor, type AppProcess } from '../../helpers/process.ts';
import { publishedEditionWithReaders, startWorkerProcess } from '../../helpers/send-fixture.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const SUBSCRIBERS = 400;
// SMTP connections of each worker: at most one message each is in flight when a worker dies.
const CONNECTIONS = 5;
const KILLS = 3;

/** How many claims of a dead worker this worker queued again when it started, as it logged it. */
function releasedBy(worker: AppProcess): number | undefined {
  const found = /queued again.*?"?released"?\s*[:=]\s*(\d+)/.exec(worker.output());
  return found ? Number(found[1]) : undefined;
}

test('a worker killed several times in the middle of a send: every subscriber ends with one message, at most one extra copy per connection and kill', async (t) => {
  // Registered first so that it runs first: the workers die before the database and the sink go.
  const workers: AppProcess[] = [];
  t.after(async () => {
    for (const { child } of workers) await stopProcess(child, 'SIGKILL');
  });

  // A slow server: the send takes a few seconds, and each message is kept a moment before the
  // worker learns it was accepted.
  const sink = await startSmtpSink(t, { delayMs: 15 });
  const testApp = await buildTestApp(t);
  const { services, database } = testApp;
  const readers = await publishedEditionWithReaders(testApp, SUBSCRIBERS);
  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  assert.equal(send.total, SUBSCRIBERS);

  const output = () => workers.map((worker, index) => `--- worker ${index + 1} ---\n${worker.output()}`).join('\n');
  function startWorker(): AppProcess {
    const worker = startWorkerProcess(testApp, sink.url, { SEND_CONCURRENCY: String(CONNECTIONS) });
    workers.push(worker);
    return worker;
  }

  const countsNow = async () => {
    const { rows } = await database.pool.query<{ status: string; count: number }>(
      `SELECT status, count(*)::int AS count FROM deliveries WHERE send_id = $1 GROUP BY status ORDER BY status`,
      [send.id],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count])) as Record<string, number>;
  };
  const startedAt = Date.now();
  let restart: Date | undefined;
  let left = 0;
  let released: number | undefined;
  // Each worker dies at a random moment of the send, with no chance to record anything more; the
  // next one is started on what it left.
  for (let kill = 1; kill <= KILLS; kill++) {
    const worker = startWorker();
    if (released !== undefined) {
      // The restarted worker first releases the claims its predecessor left (aged below).
      const expected = released;
      const count = await waitFor(
        "the restarted worker to release the dead one's claims",
        60_000,
        () => {
          if (worker.child.exitCode !== null) assert.fail(`the worker exited (${worker.child.exitCode})\n${output()}`);
          const found = releasedBy(worker);
          return found !== undefined || expected === 0 ? (found ?? 0) : undefined;
        },
        output,
      );
      assert.equal(count, expected, `the restarted worker released the dead one's claims\n${output()}`);
    }
    const receivedBefore = sink.received.length;
    const killAt = receivedBefore + 40 + Math.floor(Math.random() * 41);
    await waitFor(
      `${killAt} messages`,
      60_000,
      () => {
        if (worker.child.exitCode !== null) assert.fail(`the worker exited (${worker.child.exitCode})\n${output()}`);
        return sink.received.length >= killAt ? true : undefined;
      },
      output,
    );
    await stopProcess(worker.child, 'SIGKILL');
    const receivedAtKill = sink.received.length;
    // A statement the worker sent just before dying may still commit on the server after the
    // process is gone: read the counts once they have settled.
    let atKill = await countsNow();
    for (let settled = 0; settled < 3;) {
      await sleep(150);
      const again = await countsNow();
      settled = JSON.stringify(again) === JSON.stringify(atKill) ? settled + 1 : 0;
      atKill = again;
    }
    t.diagnostic(
      `kill ${kill} after ${Date.now() - startedAt} ms, aiming at ${killAt} messages: ${receivedAtKill} received by the server; deliveries ${JSON.stringify(atKill)}`,
    );
    assert.ok((atKill.sent ?? 0) < SUBSCRIBERS, 'the worker died before the end of the send');

    // A worker's claims are released by the next one to start only once they are older than
    // STALE_CLAIM_MS (2 minutes): age them, as those minutes passing would, rather than wait.
    const aged = await database.pool.query(`UPDATE deliveries SET claimed_at = now() - interval '10 minutes' WHERE status = 'sending'`);
    assert.equal(aged.rowCount, atKill.sending ?? 0);
    released = aged.rowCount ?? 0;
    left += released;
    // pg-boss still holds the dead worker's job as active until it expires; the next worker's
    // recovery queues the claims again and kicks the send.
    restart = (await database.pool.query<{ at: Date }>('SELECT now() AS at')).rows[0]!.at;
  }

  const last = startWorker();
  const final = await waitFor(
    'the send to be done',
    60_000,
    async () => {
      if (last.child.exitCode !== null) assert.fail(`the last worker exited (${last.child.exitCode})\n${output()}`);
      const status = await services.delivery.status({ period: '2024-06', actor: OPERATOR });
      return status.send?.status === 'done' ? status : undefined;
    },
    output,
  );
  t.diagnostic(`send done ${Date.now() - startedAt} ms after the first worker started`);
  await stopProcess(last.child, 'SIGTERM', 30_000);
  assert.equal(last.child.exitCode, 0, `the last worker stops cleanly\n${output()}`);
  assert.equal(releasedBy(last) ?? 0, released, `the last worker released the dead one's claims\n${output()}`);
  // Which jobs worked the send: the dead worker's stays active; those queued after the restart come from recover().
  const { rows: jobs } = await database.pool.query<{ slot: string; state: string; queued: string }>(
    `SELECT split_part(singleton_key, ':', 3) AS slot, state, CASE WHEN created_on >= $1 THEN 'after restart' ELSE 'before' END AS queued
     FROM pgboss.job WHERE name = 'sends.run' ORDER BY created_on, singleton_key`,
    [restart],
  );
  t.diagnostic(`sends.run jobs: ${jobs.map((job) => `slot ${job.slot} queued ${job.queued}: ${job.state}`).join('; ')}`);

  assert.deepEqual(
    {
      sent: final.progress!.sent,
      failed: final.progress!.failed,
      queued: final.progress!.queued,
      sending: final.progress!.sending,
      skipped: final.progress!.skipped,
    },
    { sent: SUBSCRIBERS, failed: 0, queued: 0, sending: 0, skipped: 0 },
  );

  // Exactly one message per subscriber: a copy sent again after an answer the dead worker never
  // read carries the same Message-ID, and is the same message.
  const byRecipient = new Map<string, Map<string, number>>();
  for (const message of sink.received) {
    for (const to of message.envelopeTo) {
      const copies = byRecipient.get(to) ?? new Map<string, number>();
      copies.set(message.messageId ?? '', (copies.get(message.messageId ?? '') ?? 0) + 1);
      byRecipient.set(to, copies);
    }
  }
  assert.deepEqual([...byRecipient.keys()].sort(), readers, 'every subscriber, and nobody else, got the edition');
  const { rows: recorded } = await database.pool.query<{ email: string; message_id: string | null }>(
    `SELECT s.email, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.send_id = $1`,
    [send.id],
  );
  const recordedIds = new Map(recorded.map((row) => [row.email, row.message_id]));
  let duplicates = 0;
  for (const reader of readers) {
    const copies = byRecipient.get(reader)!;
    assert.equal(copies.size, 1, `${reader} got one message, not ${copies.size} different ones: ${[...copies.keys()].join(', ')}`);
    const [messageId, count] = [...copies][0]!;
    assert.match(messageId, new RegExp(`^<${send.editionId}\\.[0-9a-f-]{36}@veille\\.test>$`));
    assert.equal(recordedIds.get(reader), messageId, `the delivery of ${reader} records the Message-ID that arrived`);
    duplicates += count - 1;
  }
  t.diagnostic(
    `${sink.received.length} messages received for ${SUBSCRIBERS} subscribers after ${KILLS} kills: ${duplicates} physical duplicate(s) (same Message-ID again), bound ${CONNECTIONS * KILLS} (${CONNECTIONS} connections x ${KILLS} kills); ${sink.errors.length} connection error(s) seen by the server`,
  );
  assert.equal(sink.received.length, SUBSCRIBERS + duplicates);
  assert.ok(duplicates <= left, 'only a delivery left claimed by a dead worker can arrive twice');
  // The end of a sender's next message waits for the record of its last accepted one: a worker
  // that dies leaves at most one message per connection accepted by the server but not recorded.
  assert.ok(duplicates <= CONNECTIONS * KILLS, `${duplicates} extra copies for ${KILLS} kills of a worker with ${CONNECTIONS} connections`);
});
