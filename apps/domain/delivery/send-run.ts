// Working a send: claiming its deliveries in batches and sending them through the SMTP pool, with
// retries, pacing, and a clean hand-back of what is held when the process stops.
import type { ClaimedDelivery, Feedback, Send, SendsRepository } from '../../../db/repositories/sends-repository.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { MessageTemplate } from '../mail/mime-template.ts';
import type { Clock } from '../platform/clock.ts';
import type { Queue } from '../platform/queue.ts';
import { receivesEditions, type SubscribersService } from '../subscribers/subscribers-service.ts';
import { copyFor, type PreparedEdition } from './edition-message.ts';
import { createGroupCommit } from './group-commit.ts';
import { autoPauseReason } from './send-health.ts';

const MAX_ATTEMPTS = 5;
// Deliveries claimed at a time; the claim is repeated before the local queue runs dry.
const CLAIM_SIZE = 200;
/** A claimed delivery not settled after this long belongs to a worker that died. */
export const STALE_CLAIM_MS = 2 * 60 * 1000;

/**
 * Whether an SMTP failure is worth retrying (4xx answers, network trouble) or final (5xx); `answered`
 * when the server itself refused the recipient (a network failure says nothing of the address).
 */
export function classifySmtpError(error: unknown): { kind: 'transient' | 'permanent'; noSuchUser: boolean; answered: boolean; response: string } {
  const err = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const response = err.response ?? err.message ?? String(error);
  const code = err.responseCode;
  const answered = typeof code === 'number' && code >= 400;
  if (typeof code === 'number' && code >= 500) {
    const noSuchUser =
      (code === 550 || code === 551 || code === 553) &&
      /5\.1\.1|no such user|user unknown|unknown user|does not exist|mailbox unavailable|recipient (address )?rejected/i.test(response);
    return { kind: 'permanent', noSuchUser, answered, response };
  }
  return { kind: 'transient', noSuchUser: false, answered, response };
}

/**
 * What a message refused for good says of its address: "no such user" is a bounce; any other
 * refusal by the server (policy, mailbox full, retries used up) a soft bounce; a network failure nothing.
 */
export function refusalFeedback(outcome: ReturnType<typeof classifySmtpError>): Feedback | null {
  if (outcome.noSuchUser) return 'bounce';
  return outcome.answered ? 'soft_bounce' : null;
}

/** Seconds to wait before the attempt after `attempts`: 30 s, 2 min, 8 min, 32 min. */
export function backoffMs(attempts: number): number {
  return 30_000 * 4 ** Math.max(0, attempts - 1);
}

type Deps = {
  sends: SendsRepository;
  subscribers: Pick<SubscribersService, 'unsubscribeUrl' | 'recordBounce'>;
  /** A soft bounce was recorded for this subscriber: enough in a row suppress the address. */
  onSoftBounce: (subscriberId: string) => Promise<void>;
  /** The send has just finished (each send once, whichever worker finishes it). */
  onFinished: (send: Send) => Promise<void>;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  /** The edition's email, rendered once per run. */
  prepare: (editionId: string) => Promise<PreparedEdition>;
  messageIdOf: (editionId: string, subscriberId: string) => string;
  concurrency: number;
  ratePerSecond: number;
};

/** The runs of sends in this process: work one, or stop them all for a shutdown. */
export function createSendRunner(deps: Deps) {
  const { sends, subscribers, mailer, queue, clock } = deps;

  // Set by drain() when the process stops: runs stop taking deliveries and hand back what they hold.
  let draining = false;
  const running = new Set<Promise<number>>();

  let nextSlot = 0;
  /** Spaces messages out to the configured rate (per process). */
  async function pace(): Promise<void> {
    if (!deps.ratePerSecond) return;
    const interval = 1000 / deps.ratePerSecond;
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + interval;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  /** Works a send (see run()); returns how many claimed deliveries it handed back when stopped early. */
  async function work(sendId: string): Promise<number> {
    const send = await sends.findById(sendId);
    if (!send || send.status !== 'sending') return 0;
    // Claims a dead worker left behind go back to the queue first.
    await sends.releaseStale(new Date(clock.now().getTime() - STALE_CLAIM_MS));
    const prepared = await deps.prepare(send.editionId);
    const template: MessageTemplate = prepared.compile(prepared.email.subject);

    // A pipeline rather than batches with a barrier: `concurrency` senders take deliveries from
    // a local queue, which is refilled (one claim at a time) before it runs dry. A claim also
    // re-reads the send, so a pause stops it within one claim.
    const pending: ClaimedDelivery[] = [];
    let claiming: Promise<void> | undefined;
    let exhausted = false;
    let stopped = false;
    let failure: unknown;
    const refill = (): Promise<void> =>
      (claiming ??= (async () => {
        try {
          const current = await sends.findById(sendId);
          if (!current || current.status !== 'sending') {
            stopped = true;
            return;
          }
          // The counts are on the row just read: checking the rates costs no query.
          const reason = autoPauseReason(current);
          if (reason) {
            await sends.pause(sendId, reason);
            stopped = true;
            return;
          }
          const batch = await sends.claim(sendId, CLAIM_SIZE, clock.now());
          if (batch.length === 0) exhausted = true;
          pending.push(...batch);
        } catch (error) {
          // Raised to every sender by next(): the job fails and pg-boss retries it.
          failure ??= error;
        } finally {
          claiming = undefined;
        }
      })());
    async function next(): Promise<ClaimedDelivery | undefined> {
      for (;;) {
        if (failure) throw failure;
        if (draining) return undefined;
        if (pending.length <= deps.concurrency && !exhausted && !stopped) {
          const filling = refill();
          if (pending.length === 0) await filling;
          if (failure) throw failure;
        }
        if (pending.length > 0) return pending.shift();
        if (exhausted || stopped) return undefined;
      }
    }

    // A sender's next message cannot be accepted before the previous one is recorded: the
    // connection does that message's round trips (MAIL, RCPT, DATA and its bytes) while the record
    // is written, but the end of its data waits for the record. A process that dies thus leaves at
    // most one message per connection accepted but not recorded (sent again, with the same
    // Message-ID, by the next worker). The senders' records of the same moment share one statement.
    const accepted = createGroupCommit((rows: Array<{ id: number; messageId: string; response: string; at: Date }>) => sends.markSentMany(sendId, rows));

    const worker = async () => {
      // Each sender writes its messages into one buffer, free again once the server accepted
      // the message: a send of 100,000 does not leave 100,000 copies for the collector.
      const scratch = { buffer: Buffer.alloc(0) };
      // The record of this sender's last accepted message, maybe still being written.
      let recording: Promise<void> = Promise.resolve();
      let recordFailed = false;
      for (let delivery = await next(); delivery && !recordFailed; delivery = await next()) {
        // Unsubscribed (or erased) since the send started: nothing more for them.
        if (!delivery.email || !delivery.subscriberId || !receivesEditions(delivery.subscriberStatus)) {
          await sends.markSkipped(delivery.id, delivery.subscriberStatus ? `subscriber ${delivery.subscriberStatus}` : 'subscriber erased');
          continue;
        }
        await pace();
        let sent: { messageId: string; response: string };
        try {
          const message = copyFor({
            prepared,
            template,
            messageId: deps.messageIdOf(send.editionId, delivery.subscriberId),
            to: delivery.email,
            unsubscribeUrl: subscribers.unsubscribeUrl({ subscriberId: delivery.subscriberId }),
            date: clock.now(),
            scratch,
          });
          sent = { messageId: message.messageId, response: (await mailer.sendRaw(message, { holdEndUntil: recording })).response };
        } catch (error) {
          // Abandoned before its end because the previous record failed: never accepted.
          if (recordFailed) break;
          // The transport may still hold the failed message: the next one gets a fresh buffer.
          scratch.buffer = Buffer.alloc(0);
          const outcome = classifySmtpError(error);
          if (outcome.kind === 'permanent' || delivery.attempts >= MAX_ATTEMPTS) {
            const feedback = refusalFeedback(outcome);
            await sends.markFailed(delivery.id, { response: outcome.response, feedback, at: clock.now() });
            if (feedback === 'bounce') await subscribers.recordBounce({ subscriberId: delivery.subscriberId, source: 'smtp' });
            if (feedback === 'soft_bounce') await deps.onSoftBounce(delivery.subscriberId);
          } else {
            await sends.retryLater(delivery.id, outcome.response, new Date(clock.now().getTime() + backoffMs(delivery.attempts)));
          }
          continue;
        }
        recording = accepted.add({ id: delivery.id, ...sent, at: clock.now() });
        recording.catch((error: unknown) => {
          // The delivery stays claimed, and is sent again once its claim is stale. Stop the
          // other senders too: the job fails and pg-boss retries it.
          recordFailed = true;
          failure ??= error;
        });
      }
      await recording.catch(() => undefined);
    };
    // Every sender ends (its message in flight recorded) before the run does, even when one fails.
    const ended = await Promise.allSettled(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
    if (failure !== undefined) throw failure;
    const rejected = ended.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (rejected) throw rejected.reason;
    // Stopped early (paused, or the process stops): what was claimed and not tried is free at
    // once for the next run, instead of after STALE_CLAIM_MS. A claim still running lands first.
    await claiming;
    const released = await sends.releaseClaims(pending.splice(0).map((delivery) => delivery.id));
    if (draining) {
      await queue.send('sends.run', { sendId });
      return released;
    }
    if (stopped) return released;
    const progress = await sends.progress(sendId);
    if (progress.queued === 0 && progress.sending === 0) {
      const finished = await sends.finish(sendId);
      if (finished) await deps.onFinished(finished);
    } else if (progress.queued > 0) {
      // What is left waits for a retry: come back then.
      await queue.send(
        'sends.run',
        { sendId },
        { startAfter: new Date(clock.now().getTime() + 30_000), singletonKey: `send:${sendId}:later`, singletonSeconds: 25 },
      );
    } else {
      // Only deliveries claimed by another worker remain: if that worker died, its claims turn
      // stale; come back when they would, to release and send them.
      await queue.send(
        'sends.run',
        { sendId },
        { startAfter: new Date(clock.now().getTime() + STALE_CLAIM_MS + 5000), singletonKey: `send:${sendId}:stale`, singletonSeconds: 60 },
      );
    }
    return 0;
  }

  return {
    /** Works a send until none of its deliveries is left, it is paused, or what remains waits for a retry. */
    async run(sendId: string): Promise<void> {
      // Refused, not skipped, while stopping: pg-boss keeps the job and retries it, on any worker.
      if (draining) throw new Error('this worker is stopping');
      const working = work(sendId);
      running.add(working);
      try {
        await working;
      } finally {
        running.delete(working);
      }
    },

    /** Stops the runs of this process; each hands back what it claimed and is queued again. */
    async drain(): Promise<{ sends: number; released: number }> {
      draining = true;
      const ended = await Promise.allSettled([...running]);
      return { sends: ended.length, released: ended.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0) };
    },
  };
}
