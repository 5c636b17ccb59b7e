import type { Database } from '../../../db/client.ts';
import type { RateLimitsRepository } from '../../../db/repositories/rate-limits-repository.ts';
import type { Subscriber, SubscriberStatus, SubscribersRepository, SuppressionReason } from '../../../db/repositories/subscribers-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { ValidationError } from '../platform/errors.ts';
import { wordsFor, type Locale } from '../platform/locales/index.ts';
import type { Queue } from '../platform/queue.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { EventPayloads, EventSink } from '../webhooks/webhook-events.ts';
import { createSubscriberMail } from './subscriber-mail.ts';
import { createUnsubscribeRequests } from './unsubscribe-request.ts';
import { createSubscribersAdmin } from './subscribers-admin.ts';
import { sha256 } from '../platform/tokens.ts';
import { emailField } from '../platform/validation.ts';

export type { Subscriber, SubscriberStatus, SuppressionReason };
export {
  audienceSize,
  createSubscriberTokens,
  EDITION_AUDIENCE,
  InvalidLinkError,
  parseSubscriberFilter,
  receivesEditions,
  RESUBSCRIBE_WINDOW_MS,
  SUBSCRIBE_LIMITS,
  SUBSCRIBER_STATUSES,
  SUPPRESSION_REASONS,
} from './subscriber-rules.ts';
import { createSubscriberTokens, InvalidLinkError, RESUBSCRIBE_WINDOW_MS, SUBSCRIBE_LIMITS, type Purpose } from './subscriber-rules.ts';

type Deps = {
  db: Database;
  subscribers: SubscribersRepository;
  rateLimits: RateLimitsRepository;
  settings: SettingsService;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  secret: string;
  /** Where readers' arrivals and departures are announced (the outgoing webhooks). */
  events: EventSink;
};

/**
 * Readers: double opt-in subscription, one-click unsubscription, bounces and complaints (the one
 * write path of the providers' feedback too), and the owners' side (subscribers-admin.ts).
 */
export function createSubscribersService({ db, subscribers, rateLimits, settings, queue, clock, publicUrl, secret, events }: Deps) {
  const tokens = createSubscriberTokens(secret);

  const announceConfirmed = (subscriber: Subscriber, how: EventPayloads['subscriber.confirmed']['how']) =>
    events.emit('subscriber.confirmed', {
      id: subscriber.id,
      email: subscriber.email,
      confirmedAt: (subscriber.confirmedAt ?? clock.now()).toISOString(),
      how,
    });
  const announceUnsubscribed = (subscriber: Subscriber, reason: EventPayloads['subscriber.unsubscribed']['reason']) =>
    events.emit('subscriber.unsubscribed', {
      id: subscriber.id,
      email: subscriber.email,
      unsubscribedAt: (subscriber.unsubscribedAt ?? clock.now()).toISOString(),
      reason,
    });
  const mail = createSubscriberMail({ subscribers, rateLimits, settings, queue, clock, publicUrl, tokens });
  const { sendConfirmation, sendWelcome } = mail;
  const throttle = (key: string, limit: number, locale: Locale) => mail.throttle(key, limit, wordsFor(locale).subscription.tooManyRequests);
  const unsubscribeUrl = mail.unsubscribeUrl;
  const admin = createSubscribersAdmin({ db, subscribers, settings, clock, announceConfirmed, mail });

  async function fromToken(purpose: Purpose, token: string): Promise<Subscriber> {
    const id = tokens.verify(purpose, token, clock.now());
    const subscriber = id ? await subscribers.findById(id) : undefined;
    if (!subscriber) throw new InvalidLinkError(purpose);
    return subscriber;
  }

  return {
    tokens,
    ...createUnsubscribeRequests({ subscribers, settings, mail }),

    /** The unsubscribe page address for a subscriber, for the footer and headers of emails. */
    unsubscribeUrl: ({ subscriberId }: { subscriberId: string }) => unsubscribeUrl(subscriberId),

    /**
     * A subscription request from a public form. The answer is the same whether the address is new,
     * pending, active or gone: the form never tells who is subscribed.
     */
    async subscribe(input: { email?: unknown; website?: unknown; form: string; ip: string }): Promise<void> {
      const current = await settings.get();
      // The reader's form: the refusal in the newsletter's language, not the admin's wording.
      const parsed = emailField.safeParse(input.email);
      if (!parsed.success) {
        const refusal = wordsFor(current.locale).subscription.invalidEmail;
        throw new ValidationError(refusal, { email: refusal });
      }
      const email = parsed.data;
      await throttle(`subscribe:ip:${input.ip}`, SUBSCRIBE_LIMITS.perIp, current.locale);
      await throttle(`subscribe:address:${sha256(email)}`, SUBSCRIBE_LIMITS.perAddress, current.locale);
      // A filled honeypot is a bot: accept silently and do nothing.
      if (typeof input.website === 'string' && input.website.trim() !== '') return;
      const consent = {
        at: clock.now().toISOString(),
        ip: input.ip,
        form: input.form.slice(0, 40),
        text: wordsFor(current.locale).subscription.consent(current.newsletterName),
      };
      const subscriber = await db.transaction(async (tx) => {
        const { subscriber: found, created } = await subscribers.insertOrFind({ email, status: 'pending', source: 'form', consent }, tx);
        if (created) return found;
        if (found.status === 'active') return undefined;
        // Pending, unsubscribed or bounced: a new confirmation, with the new consent.
        return subscribers.update(found.id, { status: 'pending', consent }, tx);
      });
      if (subscriber) await sendConfirmation(subscriber);
    },

    /** The subscriber a confirmation link names (for the page with the confirm button). */
    async pendingFromToken({ token }: { token: string }): Promise<Subscriber> {
      return fromToken('confirm', token);
    },

    /**
     * Confirms by POST (mail scanners only follow GET links): active at once, welcome email sent, any
     * suppression lifted. A link used again changes nothing and says so.
     */
    async confirm({ token }: { token: string }): Promise<{ subscriber: Subscriber; alreadyConfirmed: boolean }> {
      const subscriber = await fromToken('confirm', token);
      if (subscriber.status === 'active') return { subscriber, alreadyConfirmed: true };
      const now = clock.now();
      const updated = await db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, unsubscribedAt: null, bouncedAt: null }, tx);
        // The reader has just proved the address and asked again: whatever suppressed it is over.
        await subscribers.unsuppress(subscriber.email, tx);
        await subscribers.recordEvent('subscribed', now, tx);
        return row!;
      });
      await sendWelcome(updated);
      await announceConfirmed(updated, 'confirmation');
      return { subscriber: updated, alreadyConfirmed: false };
    },

    /** The subscriber an unsubscribe link names (for the page with the unsubscribe button). */
    async fromUnsubscribeToken({ token }: { token: string }): Promise<Subscriber> {
      return fromToken('unsubscribe', token);
    },

    /** One-click unsubscription (RFC 8058): effective at once, idempotent. */
    async unsubscribe({ token }: { token: string }): Promise<Subscriber> {
      const subscriber = await fromToken('unsubscribe', token);
      if (subscriber.status === 'unsubscribed') return subscriber;
      const now = clock.now();
      const updated = await db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'unsubscribed', unsubscribedAt: now }, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('unsubscribed', now, tx);
        return row!;
      });
      if (subscriber.status === 'active') await announceUnsubscribed(updated, 'link');
      return updated;
    },

    /**
     * The token of the unsubscribed page's "subscribe again" button, while it may still be used:
     * for a day after the unsubscription. Undefined after that, for anyone not unsubscribed, and for
     * a suppressed address (a spam complaint unsubscribed it: only a confirmed subscription brings it back).
     */
    async undoToken({ subscriber }: { subscriber: Subscriber }): Promise<string | undefined> {
      if (subscriber.status !== 'unsubscribed' || !subscriber.unsubscribedAt) return undefined;
      const expiresAt = new Date(subscriber.unsubscribedAt.getTime() + RESUBSCRIBE_WINDOW_MS);
      if (expiresAt <= clock.now() || (await subscribers.suppressionOf(subscriber.email))) return undefined;
      return tokens.issue('resubscribe', subscriber.id, expiresAt);
    },

    /**
     * Undoes an unsubscription with the button's token, shortly after it: the reader has just
     * proved the address, so no new confirmation is needed. A bounced, pending or suppressed address
     * is not made active this way.
     */
    async resubscribe({ token }: { token: string }): Promise<Subscriber> {
      const subscriber = await fromToken('resubscribe', token);
      if (subscriber.status === 'active') return subscriber;
      if (subscriber.status !== 'unsubscribed' || (await subscribers.suppressionOf(subscriber.email))) throw new InvalidLinkError('resubscribe');
      const now = clock.now();
      const updated = await db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, unsubscribedAt: null }, tx);
        await subscribers.recordEvent('subscribed', now, tx);
        return row!;
      });
      await announceConfirmed(updated, 'resubscribed');
      return updated;
    },

    /**
     * Records that an address does not exist (the receiving server said "no such user"), or bounced
     * too many sends in a row: the subscriber is bounced and the address suppressed for good (a new
     * subscription confirmed by email lifts it); the anonymous history counts the departure once.
     * Nothing changes for a subscriber erased meanwhile; a second bounce changes nothing.
     */
    async recordBounce({
      subscriberId,
      reason = 'bounce',
      source = 'smtp',
    }: {
      subscriberId: string;
      reason?: Exclude<SuppressionReason, 'complaint'>;
      source?: string;
    }): Promise<void> {
      const now = clock.now();
      await db.transaction(async (tx) => {
        const subscriber = await subscribers.findById(subscriberId, tx);
        if (!subscriber || subscriber.status === 'bounced') return;
        await subscribers.update(subscriber.id, { status: 'bounced', bouncedAt: now }, tx);
        // A complaint stays the reason of record: it weighs more than a bounce.
        if ((await subscribers.suppressionOf(subscriber.email, tx))?.reason !== 'complaint')
          await subscribers.suppress(subscriber.email, { reason, source, at: now }, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('bounced', now, tx);
      });
    },

    /**
     * Records a spam complaint: the reader is unsubscribed at once and the address suppressed; only
     * a new subscription they confirm by email brings them back (not the "subscribe again" button,
     * not an owner, not an import). Counted once in the anonymous history.
     */
    async recordComplaint({ subscriberId, source }: { subscriberId: string; source: string }): Promise<void> {
      const now = clock.now();
      const left = await db.transaction(async (tx) => {
        const subscriber = await subscribers.findById(subscriberId, tx);
        if (!subscriber) return undefined;
        await subscribers.suppress(subscriber.email, { reason: 'complaint', source, at: now }, tx);
        if (subscriber.status !== 'active' && subscriber.status !== 'pending') return undefined;
        const row = await subscribers.update(subscriber.id, { status: 'unsubscribed', unsubscribedAt: now }, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('complained', now, tx);
        return subscriber.status === 'active' ? row : undefined;
      });
      if (left) await announceUnsubscribed(left, 'complaint');
    },

    /** The subscriber with this address, if any: whom a provider's feedback is about. */
    findByEmail: ({ email }: { email: string }) => subscribers.findByEmail(email),

    ...admin,
  };
}

export type SubscribersService = ReturnType<typeof createSubscribersService>;
