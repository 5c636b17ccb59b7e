import { randomUUID } from 'node:crypto';
import type { Database } from '../../../db/client.ts';
import type { ClaimedDelivery, Send, SendProgress, SendsRepository } from '../../../db/repositories/sends-repository.ts';
import type { SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { renderEditionEmail, UNSUBSCRIBE_PLACEHOLDER, type EditionEmail } from '../editions/edition-email.ts';
import type { EditionsService } from '../editions/editions-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { createGroupCommit } from './group-commit.ts';
import type { Mailer, RawMessage } from '../mail/mailer.ts';
import { compileMessageTemplate, type MessageTemplate } from '../mail/mime-template.ts';
import type { Queue } from '../platform/queue.ts';
import { can, type Actor } from '../accounts/roles.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { SubscribersService } from '../subscribers/subscribers-service.ts';

export type { Send, SendProgress };

const MAX_ATTEMPTS = 5;
// Deliveries claimed at a time; the claim is repeated before the local queue runs dry.
const CLAIM_SIZE = 200;
// A claimed delivery not settled after this long belongs to a worker that died.
const STALE_CLAIM_MS = 2 * 60 * 1000;
const GMAIL_CLIP_BYTES = 102 * 1024;

/** Whether an SMTP failure is worth retrying (4xx answers, network trouble) or final (5xx). */
export function classifySmtpError(error: unknown): { kind: 'transient' | 'permanent'; noSuchUser: boolean; response: string } {
  const err = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const response = err.response ?? err.message ?? String(error);
  const code = err.responseCode;
  if (typeof code === 'number' && code >= 500) {
    const noSuchUser = (code === 550 || code === 551 || code === 553) && /5\.1\.1|no such user|user unknown|unknown user|does not exist|mailbox unavailable|recipient (address )?rejected/i.test(response);
    return { kind: 'permanent', noSuchUser, response };
  }
  return { kind: 'transient', noSuchUser: false, response };
}

/** Seconds to wait before the attempt after `attempts`: 30 s, 2 min, 8 min, 32 min. */
export function backoffMs(attempts: number): number {
  return 30_000 * 4 ** Math.max(0, attempts - 1);
}

type Deps = {
  db: Database;
  sends: SendsRepository;
  subscribersRepository: SubscribersRepository;
  subscribers: SubscribersService;
  editions: EditionsService;
  settings: SettingsService;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  concurrency: number;
  ratePerSecond: number;
};

/** Sending editions by email: the audience, the batches, retries, progress and reports. */
export function createDeliveryService(deps: Deps) {
  const { db, sends, subscribersRepository, subscribers, editions, settings, mailer, queue, clock, publicUrl } = deps;
  const host = new URL(publicUrl).hostname;

  type Rendered = { email: EditionEmail; compile: (subject: string) => MessageTemplate; envelopeFrom: string; mailto: string | undefined };

  /** The edition's email, rendered once; `compile` encodes it as the MIME template a send copies (previews and checks skip that). */
  async function renderFor(editionId: string): Promise<Rendered> {
    const row = await editions.find(editionId);
    const [doc, info, current] = await Promise.all([editions.document(row), editions.newsletter(), settings.get()]);
    const email = renderEditionEmail(doc, info, { viewInBrowserUrl: publicUrl + doc.path, footer: current.footer });
    const listId = `${current.newsletterName.replace(/[^\x20-\x7e]/g, '').replace(/[<>"]/g, '').trim() || 'Newsletter'} <newsletter.${host}>`;
    const from = current.senderEmail ? { name: current.senderName || current.newsletterName, address: current.senderEmail } : mailer.defaultFrom;
    const compile = (subject: string) =>
      compileMessageTemplate({
        from,
        subject,
        html: email.html,
        text: email.text,
        placeholder: UNSUBSCRIBE_PLACEHOLDER,
        headers: { 'List-Id': listId, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', Precedence: 'bulk' },
      });
    return { email, compile, envelopeFrom: from.address, mailto: current.senderEmail || undefined };
  }

  /**
   * One subscriber's copy: personal unsubscribe link and one-click headers, and a Message-ID
   * derived from the edition and the subscriber, so that a copy sent twice after an uncertain
   * SMTP answer is recognisable as one message.
   */
  function messageFor(rendered: Rendered, template: MessageTemplate, messageId: string, subscriber: { id: string; email: string }, scratch?: { buffer: Buffer }): RawMessage {
    const unsubscribeUrl = subscribers.unsubscribeUrl(subscriber.id);
    const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(rendered.mailto ? [`<mailto:${rendered.mailto}?subject=unsubscribe>`] : [])].join(', ');
    const raw = template.render({ to: subscriber.email, messageId, url: unsubscribeUrl, headers: { 'List-Unsubscribe': listUnsubscribe }, date: clock.now() }, scratch);
    return { envelope: { from: rendered.envelopeFrom, to: subscriber.email }, raw, messageId };
  }

  const messageIdOf = (editionId: string, subscriberId: string) => `<${editionId}.${subscriberId}@${host}>`;

  async function findSend(editionId: string): Promise<Send> {
    const send = await sends.findByEdition(editionId);
    if (!send) throw new NotFoundError('This edition has not been sent.');
    return send;
  }

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
    const rendered = await renderFor(send.editionId);
    const template = rendered.compile(rendered.email.subject);

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

    // A sender records each accepted message before it takes the next one, so a process that
    // dies leaves at most one message per connection sent but not recorded (sent again, with
    // the same Message-ID, by the next worker). The senders' records of the same moment share
    // one statement.
    const accepted = createGroupCommit((rows: Array<{ id: number; messageId: string; response: string; at: Date }>) => sends.markSentMany(rows));

    const worker = async () => {
      // Each sender writes its messages into one buffer, free again once the server accepted
      // the message: a send of 100,000 does not leave 100,000 copies for the collector.
      const scratch = { buffer: Buffer.alloc(0) };
      for (let delivery = await next(); delivery; delivery = await next()) {
        // Unsubscribed (or erased) since the send started: nothing more for them.
        if (!delivery.email || !delivery.subscriberId || delivery.subscriberStatus !== 'active') {
          await sends.markSkipped(delivery.id, delivery.subscriberStatus ? `subscriber ${delivery.subscriberStatus}` : 'subscriber erased');
          continue;
        }
        await pace();
        let sent: { messageId: string; response: string };
        try {
          const message = messageFor(rendered, template, messageIdOf(send.editionId, delivery.subscriberId), { id: delivery.subscriberId, email: delivery.email }, scratch);
          sent = { messageId: message.messageId, response: (await mailer.sendRaw(message)).response };
        } catch (error) {
          // The transport may still hold the failed message: the next one gets a fresh buffer.
          scratch.buffer = Buffer.alloc(0);
          const outcome = classifySmtpError(error);
          if (outcome.kind === 'permanent' || delivery.attempts >= MAX_ATTEMPTS) {
            await sends.markFailed(delivery.id, outcome.response);
            if (outcome.noSuchUser) {
              await subscribersRepository.update(delivery.subscriberId, { status: 'bounced', bouncedAt: clock.now() });
              await subscribersRepository.recordEvent('bounced', clock.now());
            }
          } else {
            await sends.retryLater(delivery.id, outcome.response, new Date(clock.now().getTime() + backoffMs(delivery.attempts)));
          }
          continue;
        }
        try {
          await accepted.add({ id: delivery.id, ...sent, at: clock.now() });
        } catch (error) {
          // The delivery stays claimed, and is sent again once its claim is stale. Stop the
          // other senders too: the job fails and pg-boss retries it.
          failure ??= error;
          return;
        }
      }
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
      await sends.setStatus(sendId, 'done');
    } else if (progress.queued > 0) {
      // What is left waits for a retry: come back then.
      await queue.send('sends.run', { sendId }, { startAfter: new Date(clock.now().getTime() + 30_000), singletonKey: `send:${sendId}:later`, singletonSeconds: 25 });
    } else {
      // Only deliveries claimed by another worker remain: if that worker died, its claims turn
      // stale; come back when they would, to release and send them.
      await queue.send('sends.run', { sendId }, { startAfter: new Date(clock.now().getTime() + STALE_CLAIM_MS + 5000), singletonKey: `send:${sendId}:stale`, singletonSeconds: 60 });
    }
    return 0;
  }

  return {
    /** Starts sending a published edition to every active subscriber; refused if it was sent already. */
    async start(idOrPeriod: string, actor: { id: string } | null): Promise<Send> {
      const edition = await editions.find(idOrPeriod);
      if (edition.status !== 'published') throw new ValidationError('Publish the edition before sending it.');
      const send = await db.transaction((tx) => sends.create(edition.id, actor?.id ?? null, tx));
      if (!send) throw new ConflictError('This edition has already been sent (or is being sent).');
      await this.kick(send.id);
      return send;
    },

    /** Queues the jobs that work a send: several, so that several workers share it. */
    async kick(sendId: string): Promise<void> {
      // No singleton key: a kick right after another (resume after pause) must not be swallowed;
      // extra jobs are harmless, they find nothing to claim and stop.
      for (let slot = 0; slot < 2; slot++) await queue.send('sends.run', { sendId });
    },

    /**
     * Works a send: claims batches of deliveries and sends them through the SMTP pool until none is
     * left, the send is paused, or what remains waits for a retry (then it queues itself again).
     */
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

    /**
     * Stops the sends this process is working, for a shutdown: each sender finishes (and records)
     * the message it has in flight and takes no other; deliveries claimed but not tried go back to
     * the queue, and each send is queued again for whichever worker runs next.
     */
    async drain(): Promise<{ sends: number; released: number }> {
      draining = true;
      const ended = await Promise.allSettled([...running]);
      return { sends: ended.length, released: ended.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0) };
    },

    /** After a crash: deliveries left half-done go back to the queue and unfinished sends resume. */
    async recover(): Promise<number> {
      const released = await sends.releaseStale(new Date(clock.now().getTime() - STALE_CLAIM_MS));
      for (const send of await sends.listActive()) await this.kick(send.id);
      return released;
    },

    async pause(idOrPeriod: string): Promise<void> {
      const send = await findSend((await editions.find(idOrPeriod)).id);
      if (send.status === 'sending') await sends.setStatus(send.id, 'paused');
    },

    async resume(idOrPeriod: string): Promise<void> {
      const send = await findSend((await editions.find(idOrPeriod)).id);
      if (send.status !== 'paused') return;
      await sends.setStatus(send.id, 'sending');
      await this.kick(send.id);
    },

    async retryFailed(idOrPeriod: string): Promise<number> {
      const send = await findSend((await editions.find(idOrPeriod)).id);
      const count = await sends.retryFailed(send.id);
      if (count > 0) {
        await sends.setStatus(send.id, 'sending');
        await this.kick(send.id);
      }
      return count;
    },

    /** The state of an edition's send: counts, rate and time left, and (for owners: it names readers) the per-subscriber report. */
    async status(idOrPeriod: string, actor: Actor | null, reportLimit = 200) {
      const edition = await editions.find(idOrPeriod);
      const send = await sends.findByEdition(edition.id);
      if (!send) return { edition, send: undefined, progress: undefined, report: [], rate: 0, etaSeconds: null };
      const reported = can(actor, 'subscribers.manage') ? reportLimit : 0;
      const [progress, report] = await Promise.all([sends.progress(send.id), reported > 0 ? sends.report(send.id, reported) : []]);
      const elapsed = progress.firstSentAt && progress.lastSentAt ? (progress.lastSentAt.getTime() - progress.firstSentAt.getTime()) / 1000 : 0;
      const rate = elapsed > 0 ? progress.sent / elapsed : 0;
      const remaining = progress.queued + progress.sending;
      return { edition, send, progress, report, rate, etaSeconds: rate > 0 && remaining > 0 ? Math.ceil(remaining / rate) : null };
    },

    /** Sends the edition to one address (the editor's own), outside any send and its records. */
    async sendTest(idOrPeriod: string, to: string): Promise<void> {
      const edition = await editions.find(idOrPeriod);
      const rendered = await renderFor(edition.id);
      const messageId = `<test.${edition.id}.${randomUUID()}@${host}>`;
      await mailer.sendRaw(messageFor(rendered, rendered.compile(`[Test] ${rendered.email.subject}`), messageId, { id: '00000000-0000-4000-8000-000000000000', email: to }));
    },

    /** What to look at before sending: size (Gmail clips over 102 kB), links without commentary, empty sections. */
    async checks(idOrPeriod: string): Promise<Array<{ level: 'warning' | 'info'; message: string }>> {
      const edition = await editions.find(idOrPeriod);
      const [rendered, doc, counts] = await Promise.all([renderFor(edition.id), editions.document(edition), subscribers.counts()]);
      const results: Array<{ level: 'warning' | 'info'; message: string }> = [];
      const size = Buffer.byteLength(rendered.email.html);
      if (size > GMAIL_CLIP_BYTES) results.push({ level: 'warning', message: `The email weighs ${Math.round(size / 1024)} kB: Gmail clips messages over 102 kB.` });
      else results.push({ level: 'info', message: `The email weighs ${Math.round(size / 1024)} kB (Gmail clips over 102 kB).` });
      const bare = doc.sections.flatMap((section) => section.links).filter((link) => !link.commentary.trim());
      if (bare.length) results.push({ level: 'warning', message: `${bare.length} link${bare.length === 1 ? ' has' : 's have'} no commentary: ${bare.slice(0, 5).map((link) => link.title).join(', ')}${bare.length > 5 ? '…' : ''}` });
      const empty = doc.sections.filter((section) => section.links.length === 0);
      if (empty.length) results.push({ level: 'warning', message: `Empty section${empty.length === 1 ? '' : 's'}: ${empty.map((section) => section.name).join(', ')}` });
      results.push({ level: 'info', message: `${counts.active} active subscriber${counts.active === 1 ? '' : 's'} will receive it.` });
      return results;
    },

    /** The rendered email of an edition, for the editor's preview (the unsubscribe link is a placeholder). */
    async preview(idOrPeriod: string): Promise<EditionEmail> {
      return (await renderFor((await editions.find(idOrPeriod)).id)).email;
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
