import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig, type Config } from '../../apps/bootstrap/config.ts';
import { startRuntime, type Runtime } from '../../apps/bootstrap/runtime.ts';
import { buildApp } from '../../apps/web/app.ts';
import { freePort } from '../helpers/net.ts';

/** The production runtime (services, no worker) on a fresh embedded PostgreSQL (or DATABASE_URL), with no web server. */
export async function startBenchRuntime(): Promise<{ runtime: Runtime; config: Config; dataDir: string; close: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'veille-bench-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    NODE_ENV: 'production',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  const log = pino({ level: 'warn' });
  const runtime = await startRuntime(config, log, { worker: false });
  return {
    runtime,
    config,
    dataDir,
    async close() {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The production app on a fresh embedded PostgreSQL (or DATABASE_URL), listening on loopback. */
export async function startBenchApp(
  options: { beforeListen?: (app: FastifyInstance, dataDir: string) => Promise<void> } = {},
): Promise<{ runtime: Runtime; baseUrl: string; dataDir: string; close: () => Promise<void> }> {
  const bench = await startBenchRuntime();
  const { config, dataDir, runtime } = bench;
  const app = await buildApp(runtime.services, config);
  await options.beforeListen?.(app, dataDir);
  await app.listen({ port: config.port, host: '127.0.0.1' });
  return {
    runtime,
    baseUrl: config.publicUrl,
    dataDir,
    async close() {
      await app.close();
      await bench.close();
    },
  };
}

export type Measured = { name: string; requestsPerSecond: number; p50: number; p95: number; p99: number };

/** Loads one URL with autocannon and returns throughput and latency percentiles (ms). */
export async function measure(name: string, options: autocannon.Options): Promise<Measured> {
  const result = await autocannon({ connections: 10, duration: 5, ...options });
  if (result.non2xx > 0) {
    // A benchmark of error pages would measure nothing useful.
    throw new Error(`${name}: ${result.non2xx} answers were not 2xx`);
  }
  const latency = result.latency as unknown as Record<string, number>;
  return { name, requestsPerSecond: Math.round(result.requests.average), p50: latency.p50!, p95: latency.p95 ?? latency.p97_5!, p99: latency.p99! };
}

/** Prints measurements as a table, with each one's p95 as a ratio to the baseline's. */
export function report(rows: Measured[], baseline?: Measured): void {
  const header = ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', ...(baseline ? ['p95 / baseline'] : [])];
  const lines = rows.map((row) => [
    row.name,
    String(row.requestsPerSecond),
    String(row.p50),
    String(row.p95),
    String(row.p99),
    ...(baseline ? [(row.p95 / Math.max(baseline.p95, 0.001)).toFixed(2)] : []),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index]!.length)));
  for (const line of [header, ...lines]) process.stdout.write(line.map((cell, index) => cell.padEnd(widths[index]!)).join('  ') + '\n');
}
