import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Services } from '../domain/services.ts';

export type Worker = { stop: () => Promise<void> };

/**
 * Registers the job handlers and the recurring schedules. Schedules only enqueue jobs, each with a
 * singleton key for its time slot, so several instances ticking at once still create one job.
 */
export async function startWorker({ services, log }: { services: Services; log: Logger }): Promise<Worker> {
  const { queue } = services;

  await queue.work('maintenance.cleanup', async () => {
    const purged = await services.maintenance.cleanup();
    log.info(purged, 'expired rows purged');
  });
  await queue.work('email.send', async (message) => {
    await services.mailer.send(message);
  });

  const tasks = [
    cron.schedule('17 * * * *', async () => {
      const slot = new Date().toISOString().slice(0, 13);
      await queue
        .send('maintenance.cleanup', {}, { singletonKey: `cleanup:${slot}`, singletonSeconds: 3600 })
        .catch((error: unknown) => log.error({ err: error }, 'could not enqueue the clean-up'));
    }),
  ];
  log.info('worker started');
  return {
    async stop() {
      for (const task of tasks) await task.stop();
    },
  };
}
