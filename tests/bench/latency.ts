// Latency as one editor feels it: requests sent one after another by a client in its own process
// (latency-process.ts), after a warm-up, with their percentiles (autocannon reports no p95).
import type { Measured } from './harness.ts';
import { startChild } from './processes.ts';

/** One request as the client sends it. */
export type RequestSpec = { url: string; method?: string; headers?: Record<string, string>; body?: string };
export type LatencyRun = { requests: RequestSpec[]; concurrency: number; durationMs: number; warmupMs: number };
export type LatencyResult = { requests: number; requestsPerSecond: number; p50: number; p95: number; p99: number };

/** The latency client: `measure` sends `requests` in turn (cycling) for `durationMs` after `warmupMs`, any answer but a 2xx failing the run. */
export async function startLatencyClient(): Promise<{
  measure: (name: string, requests: RequestSpec | RequestSpec[], options?: Partial<Omit<LatencyRun, 'requests'>>) => Promise<Measured>;
  stop: () => Promise<void>;
}> {
  const client = await startChild<LatencyResult>('latency-process.ts');
  return {
    async measure(name, requests, options = {}) {
      const run: LatencyRun = { requests: [requests].flat(), concurrency: 1, durationMs: 5000, warmupMs: 1000, ...options };
      try {
        const result = await client.ask({ run });
        return { name, requestsPerSecond: result.requestsPerSecond, p50: result.p50, p95: result.p95, p99: result.p99 };
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    },
    stop: client.stop,
  };
}
