import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

/** JSON logs in production, readable ones in development; `stderr` keeps stdout for a command's answer. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>, options: { stderr?: boolean } = {}): Logger {
  const destination = options.stderr ? 2 : 1;
  if (config.env === 'production') return pino({ level: config.logLevel }, pino.destination(destination));
  return pino({
    level: config.logLevel,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname', singleLine: true, destination } },
  });
}
