import PgBoss from 'pg-boss';

/** Job names and their payloads: the one list of the durable work the app does. */
export type JobPayloads = {
  'maintenance.cleanup': Record<string, never>;
  'email.send': {
    to: string;
    subject: string;
    text: string;
    html?: string;
    from?: string | { name: string; address: string };
    headers?: Record<string, string>;
  };
  'links.fetch-metadata': { linkId: string };
  'links.check-edition': { runId: string };
  'imports.run': { importId: string };
  'editions.tick': Record<string, never>;
  'sends.run': { sendId: string };
  'links.health': Record<string, never>;
  'clicks.forget': Record<string, never>;
  'webhooks.deliver': { deliveryId: number };
};
export type JobName = keyof JobPayloads;
export const JOB_NAMES: JobName[] = [
  'maintenance.cleanup',
  'email.send',
  'links.fetch-metadata',
  'links.check-edition',
  'imports.run',
  'editions.tick',
  'sends.run',
  'links.health',
  'clicks.forget',
  'webhooks.deliver',
];

export type SendOptions = {
  singletonKey?: string;
  singletonSeconds?: number;
  startAfter?: Date;
  retryLimit?: number;
  /** Seconds before the first retry; with retryBackoff, doubled (with some jitter) for each next one. */
  retryDelay?: number;
  retryBackoff?: boolean;
};

/** The durable job queue (pg-boss in the app's PostgreSQL). */
export type Queue = {
  send: <N extends JobName>(name: N, data: JobPayloads[N], options?: SendOptions) => Promise<string | null>;
  work: <N extends JobName>(
    name: N,
    handler: (data: JobPayloads[N]) => Promise<void>,
    options?: { batchSize?: number; pollingIntervalSeconds?: number },
  ) => Promise<void>;
  /** Takes no new jobs; the jobs in hand run on (stop() waits for them). */
  stopWorking: () => Promise<void>;
  stop: () => Promise<void>;
};

/** Starts pg-boss on the database and makes sure every queue exists. */
export async function startQueue(options: { url: string; supervise?: boolean; onError?: (error: Error) => void }): Promise<Queue & { boss: PgBoss }> {
  // Only processes that work jobs run pg-boss's maintenance (expiry, archiving); the others only send.
  const supervise = options.supervise ?? true;
  const boss = new PgBoss({ connectionString: options.url, max: 4, schema: 'pgboss', supervise, schedule: false, migrate: true });
  boss.on('error', options.onError ?? (() => undefined));
  await boss.start();
  for (const name of JOB_NAMES) {
    if (!(await boss.getQueue(name))) {
      await boss.createQueue(name, { name, retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60 }).catch(async (error: unknown) => {
        // Another instance may have created it meanwhile.
        if (!(await boss.getQueue(name))) throw error;
      });
    }
  }
  return {
    boss,
    send: (name, data, sendOptions = {}) => boss.send(name, data, sendOptions),
    async work(name, handler, workOptions = {}) {
      await boss.work<JobPayloads[typeof name]>(
        name,
        { batchSize: workOptions.batchSize ?? 1, pollingIntervalSeconds: workOptions.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          // A batch is worked concurrently; handlers record expected failures themselves and throw only to be retried.
          await Promise.all(jobs.map((job) => handler(job.data)));
        },
      );
    },
    async stopWorking() {
      for (const name of JOB_NAMES) await boss.offWork(name);
    },
    // graceful: wait for the jobs in hand to finish; close: end pg-boss's own pool. stop() returns
    // before that is done: wait for 'stopped', so the database is not shut down under it.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 25_000);
        boss.once('stopped', () => {
          clearTimeout(timer);
          resolve();
        });
        boss.stop({ graceful: true, close: true, timeout: 20_000 }).catch(reject);
      }),
  };
}
