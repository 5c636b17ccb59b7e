import { spawn } from 'node:child_process';

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the command line in a child process, with `input` as all of its stdin. */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
