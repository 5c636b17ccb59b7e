// The processes a benchmark runs besides itself: the app's own entry points (the web server, the
// worker), the load generator and the reference servers. Each measured thing runs alone in its
// process, so that neither the load nor the bookkeeping shares its CPU or its memory figures.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { buildWorker } from '../../apps/worker/build.ts';
import { freePort } from '../helpers/net.ts';
import { workerNodeArgs } from '../helpers/process.ts';
import type { LoadResult } from './load-process.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Memory of a process from /proc (Linux): resident now and its peak (VmHWM), in MB. */
export function processMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time a process has used so far (user + system, from /proc on Linux), in ms; 10 ms steps. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** A child process running one of this folder's TypeScript files with an IPC channel; resolves on its { ready } message. */
async function forkReady<T extends { ready?: boolean }>(file: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; ready: T }> {
  const child = fork(path.join(here, file), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
    child.on('message', (message: T) => {
      if (message.ready) resolve(message);
    });
  });
  child.removeAllListeners('exit');
  return { child, ready };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * A child process of this folder that answers requests over IPC: `ask` sends one message and
 * resolves with the { result } it answers (rejects with its { error }), one question at a time.
 */
export async function startChild<Result>(file: string): Promise<{ ask: (message: object) => Promise<Result>; pid: number; stop: () => Promise<void> }> {
  const { child } = await forkReady(file);
  return {
    pid: child.pid!,
    ask: (message) =>
      new Promise<Result>((resolve, reject) => {
        const listener = (answer: { result?: Result; error?: string }) => {
          if (!answer.result && !answer.error) return;
          child.off('message', listener);
          if (answer.error) reject(new Error(answer.error));
          else resolve(answer.result!);
        };
        child.on('message', listener);
        child.send(message);
      }),
    stop: () => stopChild(child),
  };
}

/** An autocannon of its own: `run` loads a server with autocannon's options and returns its figures. */
export async function startLoadGenerator(): Promise<{ run: (options: autocannon.Options) => Promise<LoadResult>; pid: number; stop: () => Promise<void> }> {
  const { ask, pid, stop } = await startChild<LoadResult>('load-process.ts');
  return { pid, run: (options) => ask({ options }), stop };
}

/** The bare Fastify route answering `bodyFile`'s bytes from memory, in its own process. */
export async function startBufferServer(bodyFile: string, type: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const { child, ready } = await forkReady<{ ready?: boolean; port?: number }>('buffer-server-process.ts', {
    BENCH_BODY_FILE: bodyFile,
    BENCH_BODY_TYPE: type,
  });
  return { url: `http://127.0.0.1:${ready.port}/`, pid: child.pid!, stop: () => stopChild(child) };
}

export type AppProcess = {
  child: ChildProcess;
  pid: number;
  output: () => string;
  memory: () => { rssMb: number; peakMb: number };
  /** SIGTERM (a clean stop, which also writes the --cpu-prof profile), then waits. */
  stop: () => Promise<void>;
};

/**
 * Runs the web server as `npm start` does (node --import tsx <script>), or node with the given
 * arguments (the worker, see startWorkerProcess), production settings, with `env` added. BENCH_NODE_ARGS (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof") goes to node: profile the measured process itself.
 */
export function startAppProcess(script: 'apps/web/main.ts' | string[], env: Record<string, string>): AppProcess {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...(Array.isArray(script) ? script : ['--import', 'tsx', script])], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    child,
    pid: child.pid!,
    output: () => text,
    memory: () => processMemory(child.pid!),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

let workerBuilt: Promise<unknown> | undefined;

/**
 * The worker as `npm run worker` runs it: built ahead of time (its preworker script), then the
 * node arguments of package.json's `worker` script; BENCH_NODE_ARGS go before them.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<AppProcess> {
  // Once per benchmark: a build replaces the folder a worker already started may still be loading.
  await (workerBuilt ??= buildWorker());
  return startAppProcess(workerNodeArgs(), env);
}

/** Polls `check` every `everyMs` until it returns a value; fails after `timeoutMs` with `what` and the processes' output. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
  output = () => '',
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The web server (apps/web/main.ts) on a free port over `databaseUrl`, no worker in it; resolves once /healthz answers. */
export async function startWebProcess(databaseUrl: string, env: Record<string, string>): Promise<AppProcess & { baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const web = startAppProcess('apps/web/main.ts', { DATABASE_URL: databaseUrl, PORT: String(port), PUBLIC_URL: baseUrl, RUN_WORKER: 'false', ...env });
  await waitUntil(
    'the web process to answer',
    60_000,
    async () => {
      if (web.child.exitCode !== null) throw new Error(`the web process exited (${web.child.exitCode})\n${web.output()}`);
      const answer = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
      return answer?.ok ? true : undefined;
    },
    web.output,
    100,
  );
  return { ...web, baseUrl };
}

/** Prints rows of cells as an aligned table. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_cell, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  for (const row of rows)
    process.stdout.write(
      row
        .map((cell, index) => cell.padEnd(widths[index]!))
        .join('  ')
        .trimEnd() + '\n',
    );
}
