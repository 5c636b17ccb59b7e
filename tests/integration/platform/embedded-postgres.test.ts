import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../../db/embedded.ts';
import { freePort } from '../../helpers/net.ts';

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test('embedded PostgreSQL initialises, survives a stale pid file and is shared by a second process', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-embedded-'));
  await chmod(folder, 0o755);
  t.after(() => rm(folder, { recursive: true, force: true }));
  const directory = path.join(folder, 'postgres');
  const port = await freePort();
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };

  const first = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  assert.deepEqual(await query(first.url('veille'), 'SELECT 1 AS one'), [{ one: 1 }]);

  // A second process (the CLI while the app runs) uses the running server and leaves it running.
  const second = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  await second.stop();
  assert.deepEqual(await query(first.url('veille'), 'SELECT 2 AS two'), [{ two: 2 }]);
  await first.stop();

  // An unclean stop leaves postmaster.pid behind, often naming a pid now used by another process.
  await writeFile(path.join(directory, 'postmaster.pid'), `${process.pid}\n${directory}\n`);
  const restarted = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  t.after(() => restarted.stop());
  assert.ok(
    warnings.some((message) => message.includes('stale')),
    'the stale pid file was reported',
  );
  assert.deepEqual(await query(restarted.url('veille'), 'SELECT 3 AS three'), [{ three: 3 }]);
});

/** A folder for a data directory, removed when the test ends; as root the postgres user must be able to enter it. */
async function dataFolder(t: TestContext): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-embedded-'));
  await chmod(folder, 0o755);
  t.after(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: { info: (message: string) => lines.push(message), warn: (message: string) => lines.push(message) } };
}

/** The state letters ps shows for a process (Z: a zombie), or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function postmasterPid(directory: string): Promise<number> {
  return Number((await readFile(path.join(directory, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

test('a server killed with SIGKILL (every process at once, as a crash does) is recovered at the next start, which says it waits for it', async (t) => {
  const directory = path.join(await dataFolder(t), 'postgres');
  const port = await freePort();
  const first = await startEmbeddedPostgres({ directory, port, log: recordingLog().log, database: 'veille' });
  await query(first.url('veille'), 'CREATE TABLE kept AS SELECT generate_series(1, 50000) AS n');

  const pid = await postmasterPid(directory);
  const processes = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, parent]) => parent === pid)
    .map(([child]) => child!);
  for (const target of [pid, ...processes]) process.kill(target, 'SIGKILL');

  const { lines, log } = recordingLog();
  const restarted = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  t.after(() => restarted.stop());
  assert.ok(restarted.owned);
  assert.ok(
    lines.some((line) => /not shut down cleanly .*replays its write-ahead log.*waiting for it, at most \d+ s/.test(line)),
    `the start says what it waits for: ${lines.join(' | ')}`,
  );
  assert.deepEqual(await query(restarted.url('veille'), 'SELECT count(*)::int AS count FROM kept'), [{ count: 50000 }]);
  const serverLog = await readFile(path.join(directory, 'server.log'), 'utf8');
  assert.match(serverLog, /not properly shut down; automatic recovery in progress|database system was interrupted/);
});

test('a pid file naming a killed server that nobody has reaped yet (a zombie) does not pass for a running server', async (t) => {
  const folder = await dataFolder(t);
  const directory = path.join(folder, 'postgres');
  const port = await freePort();
  await (await startEmbeddedPostgres({ directory, port, log: recordingLog().log })).stop();

  // A process called postgres that has exited, whose parent never waits for it: `sleep` under
  // another name, started in the background by a shell that then becomes a plain `sleep`.
  const fake = path.join(folder, 'postgres-binary', 'postgres');
  await mkdir(path.dirname(fake));
  await symlink(existsSync('/bin/sleep') ? '/bin/sleep' : '/usr/bin/sleep', fake);
  const parent = spawn('/bin/sh', ['-c', '"$0" 0.5 & echo $!; exec sleep 60', fake], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
  while (!processState(zombie)?.startsWith('Z')) await sleep(20);
  await writeFile(path.join(directory, 'postmaster.pid'), `${zombie}\n${directory}\n`);

  const server = await startEmbeddedPostgres({ directory, port, log: recordingLog().log, database: 'veille' });
  t.after(() => server.stop());
  assert.ok(server.owned, 'started, not taken for the server already running');
  assert.deepEqual(await query(server.url('veille'), 'SELECT 4 AS four'), [{ four: 4 }]);
});

test('a server left running by a Veille process that died is adopted: it stops with the process that adopted it', async (t) => {
  const directory = path.join(await dataFolder(t), 'postgres');
  const port = await freePort();
  const first = await startEmbeddedPostgres({ directory, port, log: recordingLog().log });
  // Its owner is gone: a process that has exited.
  const gone = spawn(process.execPath, ['-e', '']);
  await once(gone, 'exit');
  await writeFile(`${directory}.owner`, `${gone.pid}\n`);

  const { lines, log } = recordingLog();
  const adopted = await startEmbeddedPostgres({ directory, port, log });
  assert.ok(adopted.owned);
  assert.ok(
    lines.some((line) => line.startsWith('adopting the embedded PostgreSQL left running')),
    lines.join(' | '),
  );
  const pid = await postmasterPid(directory);
  await adopted.stop();
  assert.equal(existsSync(path.join(directory, 'postmaster.pid')), false, 'the server stopped');
  const state = processState(pid);
  assert.ok(state === undefined || state.startsWith('Z'), `the server process has ended (${state})`);
  await first.stop();
});
