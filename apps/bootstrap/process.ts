import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';

/** Loads the configuration or ends the process with one line naming the variable at fault. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

// A signal repeated within this delay is the copy a wrapper forwards (npm passes SIGINT on to
// the script that a terminal's Ctrl-C already reached), not a second request.
const REPEAT_IGNORED_MS = 1000;

/**
 * Runs `shutdown` once on SIGINT or SIGTERM, then exits (0, or 1 if it failed) with a last line
 * saying `name` stopped; a second signal, or a shutdown that hangs for 30 s, exits at once.
 */
export function onShutdownSignal(log: Logger, name: string, shutdown: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_IGNORED_MS) return;
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info(`${signal} received: stopping ${name} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit at once)`);
    const timer = setTimeout(() => {
      log.error('shutdown took more than 30 s: exiting');
      process.exit(1);
    }, 30_000);
    timer.unref();
    shutdown().then(
      () => {
        log.info(`${name} stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
