// Runs the test suites with node's test runner. Integration and browser tests need PostgreSQL:
// DATABASE_URL when set, otherwise an embedded server started here in a temporary folder. The
// schema is migrated once into a template database that every test file clones.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectDatabase, loadEmbeddedPostgres, runMigrations } from '../db/client.ts';
import type { EmbeddedServer } from '../db/embedded.ts';
import { startQueue } from '../apps/domain/platform/queue.ts';
import { freePort } from './helpers/net.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const SUITES = ['unit', 'integration', 'e2e'] as const;

async function findTests(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return findTests(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    }),
  );
  return files.flat().sort();
}

/** Replaces the database name in a connection string. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function prepareTemplate(serverUrl: string, template: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(template)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
  await admin.end();
  const url = withDatabase(serverUrl, template);
  const database = connectDatabase(url, { max: 2 });
  await runMigrations(database.db);
  await database.close();
  // pg-boss creates its schema and the app's queues on first start: do it once here, not per test file.
  const queue = await startQueue({ url, supervise: false });
  await queue.stop();
}

async function main(): Promise<number> {
  // Arguments are suite names (unit, integration, e2e) or test files (tests/integration/x.test.ts).
  const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const fileArgs = requested.filter((arg) => arg.endsWith('.test.ts')).map((arg) => path.resolve(arg));
  const suiteArgs = requested.filter((arg) => !arg.endsWith('.test.ts'));
  const suites = suiteArgs.length > 0 || fileArgs.length > 0 ? suiteArgs : [...SUITES];
  for (const suite of suites) {
    if (!SUITES.includes(suite as (typeof SUITES)[number])) throw new Error(`unknown suite "${suite}" (expected ${SUITES.join(', ')})`);
  }
  const files = [...(await Promise.all(suites.map((suite) => findTests(path.join(root, suite))))).flat(), ...fileArgs];
  if (files.length === 0) throw new Error(`no test files found for ${suites.join(', ')}`);

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
  let embedded: EmbeddedServer | undefined;
  let tempDir: string | undefined;
  let serverUrl: string | undefined;
  const template = `veille_template_${process.pid}`;
  const needsDatabase = files.some((file) => !file.includes(`${path.sep}unit${path.sep}`));
  const log = { info: (message: string) => process.stderr.write(`${message}\n`), warn: (message: string) => process.stderr.write(`${message}\n`) };

  try {
    if (needsDatabase) {
      if (process.env.DATABASE_URL) {
        serverUrl = process.env.DATABASE_URL;
      } else {
        tempDir = await mkdtemp(path.join(os.tmpdir(), 'veille-test-'));
        // As root, PostgreSQL runs as the postgres user, which must be able to enter this folder.
        await chmod(tempDir, 0o755);
        const { startEmbeddedPostgres } = await loadEmbeddedPostgres();
        embedded = await startEmbeddedPostgres({ directory: path.join(tempDir, 'postgres'), port: await freePort(), log });
        serverUrl = embedded.url('postgres');
      }
      const started = performance.now();
      await prepareTemplate(serverUrl, template);
      process.stderr.write(`template database ready in ${Math.round(performance.now() - started)} ms\n`);
      env.VEILLE_TEST_SERVER_URL = serverUrl;
      env.VEILLE_TEST_TEMPLATE = template;
    }
    delete env.DATABASE_URL;

    const concurrency = Math.max(2, os.availableParallelism());
    const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...files];
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: 'inherit', env });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    if (serverUrl) {
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect().then(
        async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(template)} WITH (FORCE)`).catch(() => undefined);
          await admin.end();
        },
        () => undefined,
      );
    }
    await embedded?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
