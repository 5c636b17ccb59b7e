import { randomUUID } from 'node:crypto';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { Feedback, Send, SendProgress, SendsRepository, SendSummary } from '../../../db/repositories/sends-repository.ts';
import { can, type Actor } from '../accounts/roles.ts';
import { isEditionEmpty, refuseEmptyEdition } from '../editions/edition-document.ts';
import type { LinkCheckService } from '../links/link-check-service.ts';
import { preflightChecks, type PreflightCheck } from './preflight.ts';
import type { EditionEmail } from '../editions/edition-email.ts';
import type { EditionRef, EditionRow, EditionsService } from '../editions/editions-service.ts';
import { editionPath } from '../editions/periods.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Clock } from '../platform/clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import type { Queue } from '../platform/queue.ts';
import { audienceSize, EDITION_AUDIENCE, type SubscribersService } from '../subscribers/subscribers-service.ts';
import type { ClicksService } from '../clicks/clicks-service.ts';
import type { EventSink } from '../webhooks/webhook-events.ts';
import { copyFor, prepareEdition, type PreparedEdition } from './edition-message.ts';
import { autoPauseCause, autoPauseReason, sendRatesShown } from './send-health.ts';
import { createSendRunner, STALE_CLAIM_MS } from './send-run.ts';

export type { Feedback, Send, SendProgress, SendSummary };

/** What became of a scheduled edition published by the tick: its send, or why it has none. */
export type ScheduledOutcome = { edition: EditionRow; send?: Send; refused?: string };

type Deps = {
  db: Database;
  sends: SendsRepository;
  subscribers: SubscribersService;
  editions: EditionsService;
  settings: SettingsService;
  /** Gives the email's links their counted addresses (when clicks are counted). */
  clicks: Pick<ClicksService, 'linkHref'>;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  concurrency: number;
  ratePerSecond: number;
  /** The last check of an edition's links, for the checks before publishing. */
  linkCheck: Pick<LinkCheckService, 'status'>;
  /** Soft bounces in a row (one per send) after which an address is suppressed. */
  softBounceLimit: number;
  /** Where a finished send is announced (the outgoing webhooks). */
  events: EventSink;
};

/** What the publish screen offers once its checks were read. */
export type ReleaseChoice = 'send' | 'web' | 'schedule';

/** Sending editions by email: the audience, the batches, retries, progress, the receiving side's feedback and reports. */
export function createDeliveryService(deps: Deps) {
  const { db, sends, subscribers, editions, settings, clicks, mailer, queue, clock, publicUrl, linkCheck, events } = deps;
  const host = new URL(publicUrl).hostname;

  /**
   * After a soft bounce: the address is suppressed once its latest `softBounceLimit` sends all
   * soft-bounced (a message that arrived in between starts the count again).
   */
  async function afterSoftBounce(subscriberId: string, source: string): Promise<void> {
    const latest = await sends.latestFeedback(subscriberId, deps.softBounceLimit);
    if (latest.length >= deps.softBounceLimit && latest.every((feedback) => feedback === 'soft_bounce'))
      await subscribers.recordBounce({ subscriberId, reason: 'soft_bounces', source });
  }

  /** Announces a send that has just finished: every subscriber of its audience was tried. */
  async function announceSent(send: Send): Promise<void> {
    const edition = await editions.find({ id: send.editionId });
    await events.emit('edition.sent', {
      period: edition.period,
      title: edition.title,
      url: `${publicUrl}${editionPath(edition)}`,
      recipients: send.total,
      accepted: send.accepted,
      finishedAt: (send.finishedAt ?? clock.now()).toISOString(),
    });
  }

  /** The edition's email, rendered once, from the newsletter's sender, its links through their counted addresses unless `counted` is false. */
  async function prepare(editionId: string, { counted = true }: { counted?: boolean } = {}): Promise<PreparedEdition> {
    const edition = await editions.find({ id: editionId });
    const [doc, info, current, linkHref] = await Promise.all([
      editions.document({ edition }),
      editions.newsletter(),
      settings.get(),
      counted ? clicks.linkHref({ edition }) : undefined,
    ]);
    return prepareEdition({ doc, info, settings: current, publicUrl, defaultFrom: mailer.defaultFrom, linkHref });
  }

  const messageIdOf = (editionId: string, subscriberId: string) => `<${editionId}.${subscriberId}@${host}>`;
  const runner = createSendRunner({
    sends,
    subscribers,
    mailer,
    queue,
    clock,
    prepare,
    messageIdOf,
    concurrency: deps.concurrency,
    ratePerSecond: deps.ratePerSecond,
    onSoftBounce: (subscriberId) => afterSoftBounce(subscriberId, 'smtp'),
    onFinished: announceSent,
  });

  /** Queues the jobs that work a send: several, so that several workers share it. */
  async function kick(sendId: string): Promise<void> {
    // No singleton key: a kick right after another (resume after pause) must not be swallowed;
    // extra jobs are harmless, they find nothing to claim and stop.
    for (let slot = 0; slot < 2; slot++) await queue.send('sends.run', { sendId });
  }

  /** The send of a published, non-empty edition, with its audience; undefined when it has one already. */
  async function createSend(edition: EditionRow, startedBy: string | null, tx: DbOrTx): Promise<Send | undefined> {
    if (edition.status !== 'published') throw new ValidationError('Publish the edition before sending it.', {}, { code: 'delivery.not-published' });
    refuseEmptyEdition(await editions.document({ edition, tx }), 'sending');
    return sends.create({ editionId: edition.id, startedBy, audience: EDITION_AUDIENCE }, tx);
  }

  async function findSend(ref: EditionRef): Promise<Send> {
    const send = await sends.findByEdition((await editions.find(ref)).id);
    if (!send) throw new NotFoundError('This edition has not been sent.');
    return send;
  }

  return {
    /** Starts sending a published edition to its audience (see EDITION_AUDIENCE); refused if it was sent already. */
    async start({ actor, ...ref }: EditionRef & { actor: Actor }): Promise<Send> {
      const edition = await editions.find(ref);
      const send = await db.transaction((tx) => createSend(edition, actor.id, tx));
      if (!send) throw new ConflictError('This edition has already been sent (or is being sent).', { code: 'delivery.already-sent' });
      await kick(send.id);
      return send;
    },

    /**
     * Publishes the scheduled editions that are due and starts sending each: a scheduled
     * publication also goes out by email. The publication and the send's audience are written in
     * one transaction; an edition emptied since it was scheduled is published but not sent, and
     * its outcome says why. Run by the schedule tick, as often as it likes: each edition once.
     */
    async publishScheduled(): Promise<ScheduledOutcome[]> {
      const outcomes = await db.transaction(async (tx) => {
        const published = await editions.publishDue({ tx });
        const results: ScheduledOutcome[] = [];
        for (const edition of published) {
          if (isEditionEmpty(await editions.document({ edition, tx }))) {
            results.push({ edition, refused: 'the edition is empty' });
            continue;
          }
          const send = await createSend(edition, null, tx);
          results.push(send ? { edition, send } : { edition, refused: 'it was sent already' });
        }
        return results;
      });
      await editions.announceScheduled({ published: outcomes.map((outcome) => outcome.edition) });
      for (const outcome of outcomes) if (outcome.send) await kick(outcome.send.id);
      return outcomes;
    },

    /**
     * Works a send: claims batches of deliveries and sends them through the SMTP pool until none is
     * left, the send is paused, or what remains waits for a retry (then it queues itself again).
     */
    run: ({ sendId }: { sendId: string }) => runner.run(sendId),

    /**
     * Stops the sends this process is working, for a shutdown: each sender finishes (and records)
     * the message it has in flight and takes no other; deliveries claimed but not tried go back to
     * the queue, and each send is queued again for whichever worker runs next.
     */
    drain: () => runner.drain(),

    /** After a crash: deliveries left half-done go back to the queue and unfinished sends resume. */
    async recover(): Promise<number> {
      const released = await sends.releaseStale(new Date(clock.now().getTime() - STALE_CLAIM_MS));
      for (const send of await sends.listActive()) await kick(send.id);
      return released;
    },

    async pause(ref: EditionRef): Promise<void> {
      const send = await findSend(ref);
      await sends.pause(send.id, null);
    },

    /** Resumes a paused send; after an automatic pause, the rates are checked again over the next messages only. */
    async resume(ref: EditionRef): Promise<void> {
      const send = await findSend(ref);
      if (await sends.resume(send.id)) await kick(send.id);
    },

    /**
     * Records what a provider said of a message (a bounce, a soft bounce, a complaint) on the
     * subscriber's copy of the edition the Message-ID names, else on their latest message. Counted
     * once per message; the send pauses itself if its rates pass the limits (see send-health.ts).
     * Undefined when no message to this subscriber is known (a confirmation email, say).
     */
    async recordFeedback(input: { subscriberId: string; editionId?: string; feedback: Feedback; at: Date; source: string }) {
      const delivery = await sends.deliveryFor(input.subscriberId, { editionId: input.editionId, at: input.at });
      if (!delivery) return undefined;
      const send = await sends.recordFeedback(delivery.id, input.feedback, input.at);
      const reason = send && send.status === 'sending' ? autoPauseReason(send) : undefined;
      const paused = reason ? await sends.pause(send!.id, reason) : false;
      if (send && input.feedback === 'soft_bounce') await afterSoftBounce(input.subscriberId, input.source);
      return { sendId: delivery.sendId, counted: Boolean(send), paused };
    },

    /** The bounce and complaint rates of the latest sends, newest first (the dashboard's line). */
    async feedbackRates({ limit = 3 }: { limit?: number } = {}) {
      const latest = await sends.latest(limit);
      return latest.map((send) => ({ period: send.period, title: send.title, status: send.status, ...sendRatesShown(send) }));
    },

    /** Queues the failed deliveries again; how many. */
    async retryFailed(ref: EditionRef): Promise<number> {
      const send = await findSend(ref);
      const count = await sends.retryFailed(send.id);
      if (count > 0) {
        // A send paused by its rates is resumed as the editor would (its checks start again), a finished one reopened.
        await sends.resume(send.id);
        await sends.setStatus(send.id, 'sending');
        await kick(send.id);
      }
      return count;
    },

    /** The state of an edition's send: counts, rate and time left, and (for owners: it names readers) the per-subscriber report. */
    async status({ actor, reportLimit = 200, ...ref }: EditionRef & { actor: Actor | null; reportLimit?: number }) {
      const edition = await editions.find(ref);
      const send = await sends.findByEdition(edition.id);
      if (!send) return { edition, send: undefined, progress: undefined, report: [], rate: 0, etaSeconds: null, feedback: undefined, pauseCause: undefined };
      const reported = can(actor, 'subscribers.manage') ? reportLimit : 0;
      const [progress, report] = await Promise.all([sends.progress(send.id), reported > 0 ? sends.report(send.id, reported) : []]);
      const elapsed = progress.firstSentAt && progress.lastSentAt ? (progress.lastSentAt.getTime() - progress.firstSentAt.getTime()) / 1000 : 0;
      const rate = elapsed > 0 ? progress.sent / elapsed : 0;
      const remaining = progress.queued + progress.sending;
      return {
        edition,
        send,
        progress,
        report,
        rate,
        etaSeconds: rate > 0 && remaining > 0 ? Math.ceil(remaining / rate) : null,
        feedback: sendRatesShown(send),
        // A pause the send made itself, in figures (its reason is the same in English).
        pauseCause: send.status === 'paused' && send.pauseReason ? autoPauseCause(send) : undefined,
      };
    },

    /** Every send, newest first, in a few numbers (delivered, failed), for the lists of the admin. */
    summaries: () => sends.summaries(),

    /** The newest send in a few numbers, with its edition; undefined before the first one. */
    async lastSend(): Promise<(SendSummary & { edition: EditionRow }) | undefined> {
      const [latest] = await sends.summaries(1);
      return latest ? { ...latest, edition: await editions.find({ id: latest.editionId }) } : undefined;
    },

    /** Sends the edition to one address (the editor's own), outside any send and its records. */
    async sendTest({ to, ...ref }: EditionRef & { to: string }): Promise<void> {
      const edition = await editions.find(ref);
      const prepared = await prepare(edition.id);
      const messageId = `<test.${edition.id}.${randomUUID()}@${host}>`;
      const unsubscribeUrl = subscribers.unsubscribeUrl({ subscriberId: '00000000-0000-4000-8000-000000000000' });
      await mailer.sendRaw(
        copyFor({ prepared, template: prepared.compile(`[Test] ${prepared.email.subject}`), messageId, to, unsubscribeUrl, date: clock.now() }),
      );
    },

    /**
     * What to look at before publishing or sending, as the publish screen and the API list it: an
     * empty edition, dead links (the last link check, running or done), links without commentary,
     * links the edition holds twice, empty sections, the email's size against Gmail's clipping, and
     * who will get it. Reads only: the link check is started by whoever shows these (linkCheck.ensure).
     */
    async checks(ref: EditionRef): Promise<PreflightCheck[]> {
      const edition = await editions.find(ref);
      const [prepared, doc, counts, linkState, send] = await Promise.all([
        prepare(edition.id),
        editions.document({ edition }),
        subscribers.counts(),
        linkCheck.status({ edition: edition.id }),
        sends.findByEdition(edition.id),
      ]);
      return preflightChecks({
        doc,
        emailBytes: Buffer.byteLength(prepared.email.html),
        audience: audienceSize(counts),
        linkCheck: linkState,
        sent: Boolean(send),
      });
    },

    /** Publishes the edition and starts sending it to its audience, for the publish screen's first choice. */
    async publishAndSend({ actor, ...ref }: EditionRef & { actor: Actor }): Promise<Send> {
      const edition = await editions.publish(ref);
      return this.start({ id: edition.id, actor });
    },

    /**
     * The publish screen's choice, once its checks were read: publish and send to the audience,
     * publish on the web only, or schedule (a scheduled edition is sent when it comes out). An
     * error among the checks refuses all three; warnings never block, but must be acknowledged.
     */
    async release({
      actor,
      choice,
      at,
      acknowledged,
      ...ref
    }: EditionRef & { actor: Actor; choice: ReleaseChoice; at?: string; acknowledged: boolean }): Promise<EditionRow> {
      const checks = await this.checks(ref);
      const error = checks.find((check) => check.level === 'error');
      if (error) throw new ValidationError(error.message, {}, { code: `preflight.${error.code}` });
      const warnings = checks.filter((check) => check.level === 'warning').length;
      if (warnings > 0 && !acknowledged)
        throw new ValidationError(
          `Tick “I have read the warnings” to go ahead: ${warnings === 1 ? 'one warning is' : `${warnings} warnings are`} listed above.`,
          {
            acknowledged: 'Read the warnings, then tick this box.',
          },
          { code: 'preflight.unacknowledged', fieldCodes: { acknowledged: 'unacknowledged' } },
        );
      if (choice === 'schedule') return editions.schedule({ ...ref, at: at ?? '' });
      if (choice === 'web') return editions.publish(ref);
      await this.publishAndSend({ actor, ...ref });
      return editions.find(ref);
    },

    /**
     * The rendered email of an edition, for the editor's preview (the unsubscribe link is a
     * placeholder); its links lead to their pages, so the editor sees where each goes and their
     * own clicks are never counted.
     */
    async preview(ref: EditionRef): Promise<EditionEmail> {
      return (await prepare((await editions.find(ref)).id, { counted: false })).email;
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
