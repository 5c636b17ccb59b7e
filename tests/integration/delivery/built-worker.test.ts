import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWorker, WORKER_BUILD_DIR, type WorkerManifest } from '../../../apps/worker/build.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { stopProcess, waitFor, type AppProcess } from '../../helpers/process.ts';
import { publishedEditionWithReaders, startBuiltWorkerProcess } from '../../helpers/send-fixture.ts';
import { startSmtpSink } from '../../helpers/smtp-sink.ts';

const SUBSCRIBERS = 40;
const FALLBACK = /running the worker through tsx: (.+)/;

/**
 * A build of the worker in a folder of its own (.build/worker may be in use), inside the
 * repository all the same: the bundle finds its packages in node_modules from where it sits.
 */
async function buildInTemp(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; manifest: WorkerManifest }> {
  await mkdir(path.dirname(WORKER_BUILD_DIR), { recursive: true });
  const parent = await mkdtemp(path.join(path.dirname(WORKER_BUILD_DIR), 'test-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'worker');
  return { dir, manifest: await buildWorker(dir) };
}

test('the worker as built sends an edition: every reader gets one complete copy, and nothing runs through tsx', async (t) => {
  const workers: AppProcess[] = [];
  t.after(async () => {
    for (const { child } of workers) await stopProcess(child, 'SIGKILL');
  });
  const { dir, manifest } = await buildInTemp(t);
  for (const source of ['apps/worker/main.ts', 'apps/domain/delivery/send-run.ts', 'db/client.ts'])
    assert.ok(manifest.inputs.includes(source), `the manifest lists ${source}`);
  assert.ok(
    manifest.inputs.every((input) => !input.startsWith('node_modules')),
    'the packages stay outside the bundle',
  );

  // Each module's own address was rewritten to its source's, relative to the build: every file a
  // module finds from it (migrations, email templates) exists from where the build sits.
  const files = (await readdir(dir)).filter((name) => name.endsWith('.js'));
  const addresses = new Set<string>();
  for (const file of files) {
    for (const [, relative] of (await readFile(path.join(dir, file), 'utf8')).matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)) addresses.add(relative!);
  }
  assert.ok(addresses.size >= 2, `the build rewrites the sources' import.meta.url (${[...addresses].join(', ')})`);
  for (const relative of addresses) {
    const source = fileURLToPath(new URL(relative, pathToFileURL(path.join(dir, 'main.js'))));
    assert.ok(existsSync(source) && source.endsWith('.ts'), `${relative} names a source of the repository (${source})`);
  }

  const sink = await startSmtpSink(t);
  const testApp = await buildTestApp(t);
  const readers = await publishedEditionWithReaders(testApp, SUBSCRIBERS);
  const worker = startBuiltWorkerProcess(testApp, sink.url, dir, { SEND_CONCURRENCY: '4' });
  workers.push(worker);
  const send = await testApp.services.delivery.start({ period: '2024-06', actor: OPERATOR });
  const final = await waitFor(
    'the send to be done',
    120_000,
    async () => {
      if (worker.child.exitCode !== null) assert.fail(`the worker exited (${worker.child.exitCode})\n${worker.output()}`);
      const status = await testApp.services.delivery.status({ period: '2024-06', actor: OPERATOR });
      return status.send?.status === 'done' ? status : undefined;
    },
    worker.output,
  );
  await stopProcess(worker.child, 'SIGTERM', 30_000);
  assert.equal(worker.child.exitCode, 0, `the built worker stops cleanly\n${worker.output()}`);
  assert.doesNotMatch(worker.output(), FALLBACK, 'the build was run, not the sources');

  assert.deepEqual({ sent: final.progress!.sent, failed: final.progress!.failed }, { sent: SUBSCRIBERS, failed: 0 });
  const recipients = sink.received.flatMap((message) => message.envelopeTo).sort();
  assert.deepEqual(recipients, readers, 'every reader got the edition once, and nobody else');
  for (const message of sink.received) {
    assert.equal(message.subject, 'Web, Ops & Data - Juin 2024');
    assert.match(message.html ?? '', /Caddy 2\.8/);
    assert.match(message.text ?? '', /Traefik 3/);
    assert.match(message.messageId ?? '', new RegExp(`^<${send.editionId}\\.[0-9a-f-]{36}@veille\\.test>$`));
    assert.match(message.headers.find((header) => header.key === 'list-unsubscribe')?.value ?? '', /^<http:\/\/veille\.test\/unsubscribe/);
  }
});

test('a build older than one of its sources, or none at all, is not run: the worker runs the sources through tsx and says why', async (t) => {
  const workers: AppProcess[] = [];
  t.after(async () => {
    for (const { child } of workers) await stopProcess(child, 'SIGKILL');
  });
  const { dir } = await buildInTemp(t);
  const stale = `${dir}-stale`;
  await cp(dir, stale, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(stale, 'manifest.json'), 'utf8')) as WorkerManifest;
  await writeFile(path.join(stale, 'manifest.json'), JSON.stringify({ ...manifest, builtAt: 0 }));
  // A build that would fail at once if it were run: the test sees which code started.
  await writeFile(path.join(stale, 'main.js'), 'throw new Error("the stale build ran");\n');

  const sink = await startSmtpSink(t);
  const testApp = await buildTestApp(t);
  for (const [buildDir, reason] of [
    [stale, /^apps\/\S+\.ts changed since the build$/],
    [`${dir}-absent`, /^no build in /],
  ] as const) {
    const worker = startBuiltWorkerProcess(testApp, sink.url, buildDir, { LOG_LEVEL: 'info' });
    workers.push(worker);
    await waitFor(
      'the worker to start',
      60_000,
      () => {
        if (worker.child.exitCode !== null) assert.fail(`the worker exited (${worker.child.exitCode})\n${worker.output()}`);
        return /worker started/.test(worker.output()) ? true : undefined;
      },
      worker.output,
    );
    assert.match(FALLBACK.exec(worker.output())?.[1] ?? '', reason, worker.output());
    await stopProcess(worker.child, 'SIGTERM', 30_000);
    assert.equal(worker.child.exitCode, 0, worker.output());
  }
});
