// Sending one edition to a large list: BENCH_SUBSCRIBERS active subscribers (100,000 by default)
// sent by one worker process, run as `npm run worker` runs it, to a loopback sink that accepts
// everything (smtp-server, in its own process). Reports messages/s, total time and the worker's
// peak RSS (VmHWM), and compares the rate with
// the reference measured in the same run: a bare nodemailer pool of REFERENCE_CONNECTIONS (20)
// connections sending one pre-built message raw, Nagle off on both sides (nodemailer and
// smtp-server set TCP_NODELAY on their sockets). Every ratio is against that reference; the bare
// pool with the app's own number of connections (composed per message and pre-built) is shown too.
// A first send of PROBE_SUBSCRIBERS estimates the full one; when that estimate is over
// MAX_FULL_SECONDS the run sends FALLBACK_SUBSCRIBERS instead and extrapolates (labelled so).
// Two worker processes then share a third send (each to a sink of its own): their combined rate,
// each one's share and their peak RSS.
// Targets: 100,000 in under 90 s, peak RSS under 150 MB, ratio to the reference of at least 0.8.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer, { type Transporter } from 'nodemailer';
import { connectDatabase } from '../../db/client.ts';
import { startBenchRuntime } from './harness.ts';
import { startWorkerProcess, waitUntil, type AppProcess } from './processes.ts';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { sql } from '../helpers/sql.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
// The reference's number of connections, unless SEND_CONCURRENCY says otherwise.
const CONCURRENCY = Number(process.env.SEND_CONCURRENCY ?? 20);
const PROBE_SUBSCRIBERS = Math.min(SUBSCRIBERS, Number(process.env.BENCH_PROBE_SUBSCRIBERS ?? 5_000));
const FALLBACK_SUBSCRIBERS = Math.min(SUBSCRIBERS, 20_000);
const MAX_FULL_SECONDS = 300;
const BASELINE_MESSAGES = Math.min(SUBSCRIBERS, 20_000);
const REFERENCE_CONNECTIONS = 20;
const LINKS_PER_EDITION = 30;
const GOAL = { subscribers: 100_000, seconds: 90, rssMb: 150, ratio: 0.8 };

const here = path.dirname(fileURLToPath(import.meta.url));

type SinkCount = { count: number; bytes: number };

/** Starts the sink in a child process and resolves once it listens. */
async function startSink(): Promise<{ port: number; count: () => Promise<SinkCount>; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(path.join(here, 'smtp-sink-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code})`)));
    child.on('message', (message: { ready?: boolean; port?: number }) => {
      if (message.ready) resolve(message.port!);
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    count: () =>
      new Promise<SinkCount>((resolve) => {
        const listener = (message: Partial<SinkCount>) => {
          if (typeof message.count !== 'number') return;
          child.off('message', listener);
          resolve({ count: message.count, bytes: message.bytes ?? 0 });
        };
        child.on('message', listener);
        child.send({ count: true });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ stop: true });
        setTimeout(() => child.kill(), 3000).unref();
      }),
  };
}

/** Samples this process's RSS every 200 ms while `work` runs; returns its result, the seconds and the peak (MB). */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds, peakRssMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

// The app's mailer reads its configuration from the environment the harness passes to loadConfig.
const sink = await startSink();
process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
process.env.SEND_CONCURRENCY = String(CONCURRENCY);
process.env.SEND_RATE_PER_SECOND = '0';
process.env.MAIL_FROM = 'Veille <newsletter@bench.example>';

const bench = await startBenchRuntime();
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
try {
  const services = bench.runtime.services;
  const owner = await services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });

  /** A published edition of `period` with LINKS_PER_EDITION commented links in three sections. */
  async function seedEdition(period: string): Promise<void> {
    const inserted = await database.pool.query<{ id: string }>(sql`
      INSERT INTO links (url, normalized_url, title, description, commentary, commentary_html, position, fetch_status, created_by)
      SELECT 'https://site' || i || '.example/' || ${period}::text || '/article-' || i,
             'https://site' || i || '.example/' || ${period}::text || '/article-' || i,
             'Article ' || i || ' : PostgreSQL, Kubernetes et les données en ' || ${period}::text,
             'Une description de l''article ' || i || ', telle que la page la donne.',
             'Un commentaire de la rédaction sur l''article ' || i || ', avec un avis, un contexte et de quoi décider s''il vaut la lecture. ' || repeat('Des détails, des chiffres et des exemples. ', 6),
             '<p>Un commentaire de la rédaction sur l''article ' || i || ', avec un <strong>avis</strong>, un contexte et de quoi décider s''il vaut la lecture. ' || repeat('Des détails, des chiffres et des exemples. ', 6) || '</p>',
             i, 'ok', ${owner.id}
      FROM generate_series(1, ${LINKS_PER_EDITION}::int) AS i
      RETURNING id`);
    const ids = inserted.rows.map((row) => row.id);
    const third = Math.ceil(ids.length / 3);
    const edition = await services.editions.put({
      period,
      input: {
        intro: 'Le mois en liens : bases de données, exploitation et web.',
        sections: [
          { category: 'Data', links: ids.slice(0, third) },
          { category: 'Ops', links: ids.slice(third, 2 * third) },
          { category: 'Web', links: ids.slice(2 * third) },
        ],
      },
    });
    await services.editions.publish({ id: edition.id });
  }

  let seededSubscribers = 0;
  async function seedSubscribersUpTo(count: number): Promise<void> {
    if (count <= seededSubscribers) return;
    await database.pool.query(sql`
      INSERT INTO subscribers (email, status, source, confirmed_at, created_at)
      SELECT 'reader' || i || '@bench.example', 'active', 'import', now(), now() - ((${count}::int - i) || ' seconds')::interval
      FROM generate_series(${seededSubscribers + 1}::int, ${count}::int) AS i`);
    await database.pool.query(sql`ANALYZE subscribers`);
    seededSubscribers = count;
  }

  /** Whether the send of `period` is done: one row read, light enough to ask every 50 ms while the workers send. */
  async function sendDone(sendId: string): Promise<true | undefined> {
    const { rows } = await database.pool.query<{ status: string }>('SELECT status FROM sends WHERE id = $1', [sendId]);
    return rows[0]?.status === 'done' ? true : undefined;
  }

  /** Starts the send of `period` for `worker` to work, timed until it is done; checks the sink got every message. */
  async function send(worker: AppProcess, period: string, expected: number) {
    const before = await sink.count();
    const started = performance.now();
    const { id } = await services.delivery.start({ period, actor: OPERATOR });
    await waitUntil(`the send of ${period} to be done`, MAX_FULL_SECONDS * 3 * 1000, () => sendDone(id), worker.output);
    const seconds = (performance.now() - started) / 1000;
    const status = await services.delivery.status({ period, actor: OPERATOR });
    const after = await sink.count();
    const sent = status.progress?.sent ?? 0;
    if (sent !== expected) throw new Error(`${period}: ${sent} sent, expected ${expected} (${JSON.stringify(status.progress)})`);
    if (after.count - before.count !== expected) throw new Error(`${period}: the sink received ${after.count - before.count} messages, expected ${expected}`);
    return {
      sent,
      seconds,
      rate: sent / seconds,
      // The worker's peak so far (VmHWM): it sent nothing else before.
      peakRssMb: worker.memory().peakMb,
      bytesPerMessage: (after.bytes - before.bytes) / expected,
    };
  }

  /** A worker process sending to `smtpPort`, once it has started. */
  async function startWorker(smtpPort: number): Promise<AppProcess> {
    const worker = await startWorkerProcess({
      DATABASE_URL: bench.runtime.databaseUrl,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      DATA_DIR: bench.dataDir,
      SEND_CONCURRENCY: String(CONCURRENCY),
      LOG_LEVEL: 'info',
    });
    await waitUntil('the worker to start', 60_000, () => (/worker started/.test(worker.output()) ? true : undefined), worker.output);
    return worker;
  }

  const seeding = performance.now();
  await seedEdition('2024-05');
  await seedEdition('2024-06');
  await seedSubscribersUpTo(PROBE_SUBSCRIBERS);
  process.stdout.write(
    `seeded 2 editions of ${LINKS_PER_EDITION} links and ${PROBE_SUBSCRIBERS} subscribers in ${Math.round(performance.now() - seeding)} ms; sink on port ${sink.port}, SEND_CONCURRENCY=${CONCURRENCY}\n`,
  );

  // A first, smaller send estimates the full one; the same worker then sends the full one.
  const single = await startWorker(sink.port);
  const idleRssMb = single.memory().rssMb;
  const probe = await send(single, '2024-05', PROBE_SUBSCRIBERS);
  const estimate = SUBSCRIBERS / probe.rate;
  process.stdout.write(
    `probe: ${probe.sent} messages in ${probe.seconds.toFixed(1)} s (${Math.round(probe.rate)} messages/s, ${Math.round(probe.bytesPerMessage / 1024)} kB each); ${SUBSCRIBERS} would take ~${Math.round(estimate)} s\n`,
  );
  const target = estimate <= MAX_FULL_SECONDS ? SUBSCRIBERS : FALLBACK_SUBSCRIBERS;
  const extrapolated = target < SUBSCRIBERS;
  if (extrapolated) process.stdout.write(`over ${MAX_FULL_SECONDS} s: sending ${target} and extrapolating to ${SUBSCRIBERS}\n`);

  const seedingRest = performance.now();
  await seedSubscribersUpTo(target);
  process.stdout.write(`seeded up to ${target} subscribers in ${Math.round(performance.now() - seedingRest)} ms\n`);
  const app = await send(single, '2024-06', target).finally(() => single.stop());

  // The practical limit: a bare nodemailer pool sending the same message to the same sink, with
  // none of the app's work (no database, no per-recipient copy). With the app's connections, two
  // ways: composing the MIME for each message (what a plain `sendMail({ html, text })` loop does)
  // and sending one pre-built message as is (the transport alone); then the reference, the
  // pre-built message over REFERENCE_CONNECTIONS connections, the rate this machine allows.
  const email = await services.delivery.preview({ period: '2024-06' });
  const prebuilt = (
    await nodemailer
      .createTransport({ streamTransport: true, buffer: true })
      .sendMail({ from: 'Veille <newsletter@bench.example>', to: 'reader@bench.example', subject: email.subject, html: email.html, text: email.text })
  ).message as Buffer;
  async function blast(label: string, connections: number, sendOne: (transport: Transporter, index: number) => Promise<unknown>) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sink.port,
      pool: true,
      maxConnections: connections,
      maxMessages: 1000,
      secure: false,
      ignoreTLS: true,
    });
    const before = await sink.count();
    const measured = await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (next < BASELINE_MESSAGES) await sendOne(transport, next++);
        }),
      );
    });
    transport.close();
    const received = (await sink.count()).count - before.count;
    if (received !== BASELINE_MESSAGES) throw new Error(`${label}: the sink received ${received} messages, expected ${BASELINE_MESSAGES}`);
    return { seconds: measured.seconds, rate: BASELINE_MESSAGES / measured.seconds, peakRssMb: measured.peakRssMb };
  }
  const sendPrebuilt = (transport: Transporter, index: number) =>
    transport.sendMail({ envelope: { from: 'newsletter@bench.example', to: [`reader${index}@bench.example`] }, raw: prebuilt });
  const composed = await blast('composed', CONCURRENCY, (transport, index) =>
    transport.sendMail({
      from: 'Veille <newsletter@bench.example>',
      to: `reader${index}@bench.example`,
      subject: email.subject,
      html: email.html,
      text: email.text,
    }),
  );
  const raw = await blast('raw', CONCURRENCY, sendPrebuilt);
  const reference = CONCURRENCY === REFERENCE_CONNECTIONS ? raw : await blast('reference', REFERENCE_CONNECTIONS, sendPrebuilt);
  const baselineRate = reference.rate;
  const ratio = app.rate / baselineRate;

  // Past one machine: two worker processes (`npm run worker` twice) on one send, each sending to
  // a sink of its own, so that the sinks' counts say how much each did; the send is started here
  // and worked by the workers' jobs only. Every reader once: the sinks' sum equals the audience.
  await seedEdition('2024-07');
  const workerSinks = [await startSink(), await startSink()];
  const workers: AppProcess[] = [];
  const shared = await (async () => {
    try {
      const workersOutput = () => workers.map((worker) => worker.output()).join('\n');
      for (const workerSink of workerSinks) workers.push(await startWorker(workerSink.port));
      const started = performance.now();
      const { id } = await services.delivery.start({ period: '2024-07', actor: OPERATOR });
      await waitUntil('the two-worker send to be done', MAX_FULL_SECONDS * 3 * 1000, () => sendDone(id), workersOutput);
      const seconds = (performance.now() - started) / 1000;
      const counts = await Promise.all(workerSinks.map((workerSink) => workerSink.count()));
      const peaks = workers.map((worker) => worker.memory().peakMb);
      const total = counts.reduce((sum, count) => sum + count.count, 0);
      if (total !== target) throw new Error(`two workers: the sinks received ${total} messages for ${target} readers`);
      if (counts.some((count) => count.count === 0)) throw new Error(`two workers: one took no part (${counts.map((count) => count.count).join(' / ')})`);
      return { seconds, rate: target / seconds, shares: counts.map((count) => count.count), peakRssMb: Math.max(...peaks) };
    } finally {
      for (const worker of workers) await worker.stop();
      for (const workerSink of workerSinks) await workerSink.stop();
    }
  })();

  const fullSeconds = extrapolated ? SUBSCRIBERS / app.rate : app.seconds;
  const rows = [
    ['scenario', 'messages', 'seconds', 'messages/s', 'peak RSS MB', 'ratio'],
    [
      `one worker, probe (concurrency ${CONCURRENCY})`,
      String(probe.sent),
      probe.seconds.toFixed(1),
      String(Math.round(probe.rate)),
      probe.peakRssMb.toFixed(0),
      (probe.rate / baselineRate).toFixed(2),
    ],
    [
      `one worker (concurrency ${CONCURRENCY})`,
      String(app.sent),
      app.seconds.toFixed(1),
      String(Math.round(app.rate)),
      app.peakRssMb.toFixed(0),
      ratio.toFixed(2),
    ],
    ...(extrapolated
      ? [[`one worker, extrapolated to ${SUBSCRIBERS}`, String(SUBSCRIBERS), fullSeconds.toFixed(0), String(Math.round(app.rate)), 'n/a', ratio.toFixed(2)]]
      : []),
    [
      `two worker processes, combined (${shared.shares.join(' + ')} messages; ${CONCURRENCY} connections each)`,
      String(target),
      shared.seconds.toFixed(1),
      String(Math.round(shared.rate)),
      shared.peakRssMb.toFixed(0),
      (shared.rate / baselineRate).toFixed(2),
    ],
    [
      `bare pool, MIME composed per message (${CONCURRENCY} connections)`,
      String(BASELINE_MESSAGES),
      composed.seconds.toFixed(1),
      String(Math.round(composed.rate)),
      composed.peakRssMb.toFixed(0),
      (composed.rate / baselineRate).toFixed(2),
    ],
    [
      `bare pool, one pre-built message (${CONCURRENCY} connections)${reference === raw ? ': reference' : ''}`,
      String(BASELINE_MESSAGES),
      raw.seconds.toFixed(1),
      String(Math.round(raw.rate)),
      raw.peakRssMb.toFixed(0),
      (raw.rate / baselineRate).toFixed(2),
    ],
    ...(reference === raw
      ? []
      : [
          [
            `bare pool, one pre-built message (${REFERENCE_CONNECTIONS} connections): reference`,
            String(BASELINE_MESSAGES),
            reference.seconds.toFixed(1),
            String(Math.round(reference.rate)),
            reference.peakRssMb.toFixed(0),
            '1.00',
          ],
        ]),
  ];
  const widths = rows[0]!.map((_title, index) => Math.max(...rows.map((row) => row[index]!.length)));
  process.stdout.write('\n');
  for (const row of rows) process.stdout.write(row.map((cell, index) => cell.padEnd(widths[index]!)).join('  ') + '\n');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  process.stdout.write(
    `\ngoals: ${GOAL.subscribers} in under ${GOAL.seconds} s: ${verdict(SUBSCRIBERS >= GOAL.subscribers && fullSeconds < GOAL.seconds)} (${fullSeconds.toFixed(0)} s${extrapolated ? ', extrapolated' : ''}); ` +
      `peak RSS of a worker process sending at most ${GOAL.rssMb} MB: ${verdict(Math.max(app.peakRssMb, shared.peakRssMb) <= GOAL.rssMb)} (VmHWM: ${app.peakRssMb.toFixed(0)} MB for one worker${extrapolated ? ` sending ${target}` : ''}, idle at ${idleRssMb.toFixed(0)} MB before; ${shared.peakRssMb.toFixed(0)} MB for the larger of two); ` +
      `ratio to the reference at least ${GOAL.ratio}: ${verdict(ratio >= GOAL.ratio)} (${ratio.toFixed(2)}); message size ${Math.round(app.bytesPerMessage / 1024)} kB\n`,
  );
} finally {
  await database.close();
  await bench.close();
  await sink.stop();
}
