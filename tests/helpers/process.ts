import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type AppProcess = { child: ChildProcess; output: () => string };

/**
 * Runs one of the app's entry points (apps/web/main.ts, apps/worker/main.ts) as `npm start` and
 * `npm run worker` do, in a process group of its own (signal `-pid` to reach it as a terminal's
 * Ctrl-C does), with its output kept; `nodeArgs` go to node before the script. The caller stops it (stopProcess) before what it uses goes.
 */
export function startAppProcess(script: string, env: Record<string, string>, nodeArgs: string[] = []): AppProcess {
  return startNode(['--import', 'tsx', ...nodeArgs, script], env);
}

/** The node arguments of package.json's `worker` script: the worker as `npm run worker` starts it once built. */
export function workerNodeArgs(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = manifest.scripts.worker!.split(/\s+/);
  assert.equal(command, 'node', `package.json's worker script runs node: ${manifest.scripts.worker}`);
  return args;
}

/** Runs node with `args` as startAppProcess does (own process group, output kept): for what runs without tsx. */
export function startNode(args: string[], env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Sends `signal` (if the process still runs) and waits for it to end; one still there after `timeoutMs` is killed. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals | null, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (signal) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with `what` and `context()` (the processes' output). */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(5);
  }
}
