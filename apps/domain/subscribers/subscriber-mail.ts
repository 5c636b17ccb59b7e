// What the subscribers' features share: the emails sent to a reader about their subscription (each
// one a line of their history), the links those emails carry, and the hourly limits on requests.
import type { RateLimitsRepository } from '../../../db/repositories/rate-limits-repository.ts';
import type { Subscriber, SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { Clock } from '../platform/clock.ts';
import { RateLimitedError } from '../platform/errors.ts';
import type { Queue } from '../platform/queue.ts';
import { confirmationEmail, unsubscribeLinkEmail, welcomeEmail } from './subscriber-emails.ts';
import type { createSubscriberTokens } from './subscriber-rules.ts';

const HOUR_MS = 60 * 60 * 1000;
const LINK_TTL_MS = 7 * 24 * HOUR_MS;

type Deps = {
  subscribers: Pick<SubscribersRepository, 'addHistory'>;
  rateLimits: RateLimitsRepository;
  settings: Pick<SettingsService, 'get'>;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  tokens: ReturnType<typeof createSubscriberTokens>;
};

/** The subscription emails and limits, for the subscribers service and the requests beside it. */
export function createSubscriberMail({ subscribers, rateLimits, settings, queue, clock, publicUrl, tokens }: Deps) {
  const unsubscribeUrl = (subscriberId: string, expiresAt?: Date) => `${publicUrl}/unsubscribe?token=${tokens.issue('unsubscribe', subscriberId, expiresAt)}`;
  const inAWeek = () => new Date(clock.now().getTime() + LINK_TTL_MS);

  return {
    /** The unsubscribe page of a reader: the link every email carries (it does not expire). */
    unsubscribeUrl: (subscriberId: string) => unsubscribeUrl(subscriberId),

    /**
     * Counts a request against an hourly limit; past `limit`, refuses it with the sentence `refusal`
     * gives for the minutes left (in the language of whoever asked).
     */
    async throttle(key: string, limit: number, refusal: (minutes: number) => string): Promise<void> {
      const { count, resetAt } = await rateLimits.hit(key, clock.now(), HOUR_MS);
      if (count > limit) {
        const minutes = Math.max(1, Math.ceil((resetAt.getTime() - clock.now().getTime()) / 60_000));
        throw new RateLimitedError(refusal(minutes), minutes * 60);
      }
    },

    /** Asks a reader to confirm their address (a link valid for a week). */
    async sendConfirmation(subscriber: Subscriber, detail: Record<string, string | null> | null = null): Promise<void> {
      const link = `${publicUrl}/subscribe/confirm?token=${tokens.issue('confirm', subscriber.id, inAWeek())}`;
      await queue.send('email.send', confirmationEmail({ settings: await settings.get(), to: subscriber.email, link }));
      await subscribers.addHistory(subscriber.id, 'confirmation_sent', clock.now(), detail);
    },

    /** Welcomes a confirmed reader, with the archive and their unsubscribe link. */
    async sendWelcome(subscriber: Subscriber): Promise<void> {
      const email = welcomeEmail({
        settings: await settings.get(),
        to: subscriber.email,
        archiveUrl: `${publicUrl}/archive`,
        unsubscribeUrl: unsubscribeUrl(subscriber.id),
      });
      await queue.send('email.send', email);
      await subscribers.addHistory(subscriber.id, 'welcome_sent', clock.now());
    },

    /** Sends a reader who asked for it by address a link to unsubscribe (valid for a week). */
    async sendUnsubscribeLink(subscriber: Subscriber): Promise<void> {
      const email = unsubscribeLinkEmail({ settings: await settings.get(), to: subscriber.email, link: unsubscribeUrl(subscriber.id, inAWeek()) });
      await queue.send('email.send', email);
      await subscribers.addHistory(subscriber.id, 'unsubscribe_link_sent', clock.now());
    },
  };
}

export type SubscriberMail = ReturnType<typeof createSubscriberMail>;
