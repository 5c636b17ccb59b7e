// The load generator of the HTTP benchmarks, run as a child process so that its CPU is never
// the measured server's: receives { options } (autocannon's, JSON) over IPC, runs autocannon and
// answers { result } with the figures the benchmarks report, then waits for the next run.
import autocannon from 'autocannon';

if (!process.send) throw new Error('run this as a child process with an IPC channel');

export type LoadResult = {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerRequest: number;
};

process.on('message', (message: { options?: autocannon.Options; stop?: boolean }) => {
  if (message.stop) process.exit(0);
  if (!message.options) return;
  autocannon(message.options, (error, result) => {
    if (error) {
      process.send!({ error: error.message });
      return;
    }
    const latency = result.latency as unknown as Record<string, number>;
    const total = result.requests.total || 1;
    const answer: LoadResult = {
      requestsPerSecond: Math.round(result.requests.average),
      requests: result.requests.total,
      p50: latency.p50!,
      p99: latency.p99!,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      bytesPerRequest: Math.round(result.throughput.total / total),
    };
    process.send!({ result: answer });
  });
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
