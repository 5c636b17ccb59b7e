import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Services } from '../bootstrap/services.ts';

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
  await queue.work(
    'links.fetch-metadata',
    async ({ linkId }) => {
      await services.links.fetchMetadata({ linkId });
    },
    // Editors watch the row fill in: poll often, and fetch a few pages at once.
    { pollingIntervalSeconds: 0.5, batchSize: 4 },
  );
  // The pre-send check of an edition's links: the editor watches its progress.
  await queue.work('links.check-edition', async ({ runId }) => services.linkCheck.run({ runId }), { pollingIntervalSeconds: 0.5 });
  // An import of editions the editor started after its dry run; its progress shows in the admin.
  await queue.work('imports.run', async ({ importId }) => services.imports.runPrepared({ importId }), { pollingIntervalSeconds: 0.5 });
  // Publishes the scheduled editions that are due (each goes out by email too) and makes sure the
  // current period has its draft.
  await queue.work('editions.tick', async () => {
    for (const outcome of await services.delivery.publishScheduled()) {
      if (outcome.send) log.info({ period: outcome.edition.period, recipients: outcome.send.total }, 'scheduled edition published and sending');
      else log.warn({ period: outcome.edition.period, reason: outcome.refused }, 'scheduled edition published, not sent');
    }
    await services.editions.ensureDraft();
  });
  await queue.work('sends.run', async ({ sendId }) => services.delivery.run({ sendId }), { pollingIntervalSeconds: 0.5 });
  // The archive's links checked again, a share of the hour's at a time.
  await queue.work('links.health', async () => {
    const outcome = await services.linkHealth.run();
    if (outcome.links > 0) log.info(outcome, 'published links checked');
  });
  // The click window keeps a visitor's hash one minute at most.
  await queue.work('clicks.forget', async () => {
    await services.clicks.forget();
  });
  // One attempt at an outgoing webhook call; a failure throws and pg-boss retries it with back-off.
  await queue.work('webhooks.deliver', async ({ deliveryId }) => services.webhooks.deliver({ deliveryId }), { pollingIntervalSeconds: 1, batchSize: 4 });
  // Deliveries a dead process left half-done go back to the queue; unfinished sends resume.
  const released = await services.delivery.recover();
  if (released > 0) log.warn({ released }, 'deliveries left by a stopped worker were queued again');
  await queue.work(
    'email.send',
    async (message) => {
      await services.mailer.send(message);
    },
    // Confirmation emails are awaited by a person on the other side of a form.
    { pollingIntervalSeconds: 0.5 },
  );

  const tasks = [
    // Every minute: the slot key makes the ticks of several instances one job.
    cron.schedule('* * * * *', async () => {
      await queue
        .send('editions.tick', {}, { singletonKey: 'editions-tick', singletonSeconds: 50 })
        .catch((error: unknown) => log.error({ err: error }, 'could not enqueue the editions tick'));
    }),
    cron.schedule('* * * * *', async () => {
      await queue
        .send('clicks.forget', {}, { singletonKey: 'clicks-forget', singletonSeconds: 50 })
        .catch((error: unknown) => log.error({ err: error }, 'could not enqueue the clean-up of the click window'));
    }),
    // Every five minutes, as the link health job's pace assumes (runsPerHour).
    cron.schedule('*/5 * * * *', async () => {
      await queue
        .send('links.health', {}, { singletonKey: 'links-health', singletonSeconds: 4 * 60 })
        .catch((error: unknown) => log.error({ err: error }, 'could not enqueue the link health run'));
    }),
    cron.schedule('*/10 * * * *', async () => {
      await queue
        .send('maintenance.cleanup', {}, { singletonKey: 'cleanup', singletonSeconds: 9 * 60 })
        .catch((error: unknown) => log.error({ err: error }, 'could not enqueue the clean-up'));
    }),
  ];
  log.info('worker started');
  return {
    /**
     * Stops the schedules and takes no new job; sends in progress stop at their next message, with
     * what they hold handed back to the queue. Jobs of other kinds run on: the queue's stop waits
     * for them.
     */
    async stop() {
      for (const task of tasks) await task.stop();
      await queue.stopWorking();
      const drained = await services.delivery.drain();
      if (drained.sends > 0) {
        log.info(
          `sending paused for the shutdown: ${drained.released} claimed deliveries handed back to the queue; the send carries on when a worker runs again`,
        );
      }
      log.info('worker stopped');
    },
  };
}
