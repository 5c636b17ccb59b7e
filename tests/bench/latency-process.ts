// The editor of the latency benchmarks, run as a child process: a lean Node process whose only
// work is sending requests one after another (fetch, as a browser would), so that the bench's own
// heap (the seeded history, its pools) and its garbage collections never land in a measured
// request. Receives { run } over IPC, answers { result } with the sorted latencies' percentiles.
import type { LatencyRun, LatencyResult } from './latency.ts';

if (!process.send) throw new Error('run this as a child process with an IPC channel');

// A redirect (to the sign-in page) or an error would measure nothing useful.
const ok = (status: number) => status >= 200 && status < 300;

async function send(spec: LatencyRun['requests'][number]): Promise<number> {
  const response = await fetch(spec.url, { method: spec.method ?? 'GET', headers: spec.headers, body: spec.body, redirect: 'manual' });
  await response.arrayBuffer();
  return response.status;
}

async function run(options: LatencyRun): Promise<LatencyResult> {
  const { requests, concurrency, durationMs, warmupMs } = options;
  let next = 0;
  const nextRequest = () => requests[next++ % requests.length]!;
  // Until both this process and the server have run the path long enough to be optimised.
  const warmupEnds = performance.now() + warmupMs;
  while (performance.now() < warmupEnds) {
    const status = await send(nextRequest());
    if (!ok(status)) throw new Error(`answered ${status} while warming up`);
  }
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - started < durationMs) {
        const begin = performance.now();
        const status = await send(nextRequest());
        samples.push(performance.now() - begin);
        if (!ok(status)) throw new Error(`answered ${status}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const at = (quantile: number) => Number(samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))]!.toFixed(2));
  return { requests: samples.length, requestsPerSecond: Math.round(samples.length / elapsed), p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

process.on('message', (message: { run?: LatencyRun; stop?: boolean }) => {
  if (message.stop) process.exit(0);
  if (!message.run) return;
  run(message.run).then(
    (result) => process.send!({ result }),
    (error: Error) => process.send!({ error: error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
