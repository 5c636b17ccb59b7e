// A reader whose unsubscribe link does not work asks for one by address. The answer never tells
// whether the address is known (the same for anyone), and requests are limited per address and
// per IP address like subscriptions, so the form cannot be used to flood a mailbox.
import type { SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import { ValidationError } from '../platform/errors.ts';
import { wordsFor } from '../platform/locales/index.ts';
import { sha256 } from '../platform/tokens.ts';
import { emailField } from '../platform/validation.ts';
import type { SubscriberMail } from './subscriber-mail.ts';
import { SUBSCRIBE_LIMITS } from './subscriber-rules.ts';

type Deps = { subscribers: Pick<SubscribersRepository, 'findByEmail'>; settings: Pick<SettingsService, 'get'>; mail: SubscriberMail };

/** The unsubscribe-by-address request, for the subscribers service. */
export function createUnsubscribeRequests({ subscribers, settings, mail }: Deps) {
  return {
    /** Emails a link to unsubscribe to a reader still receiving the newsletter (or waiting to); nothing to anyone else. */
    async requestUnsubscribeLink(input: { email?: unknown; ip: string }): Promise<void> {
      const current = await settings.get();
      const words = wordsFor(current.locale).subscription;
      const parsed = emailField.safeParse(input.email);
      if (!parsed.success) throw new ValidationError(words.invalidEmail, { email: words.invalidEmail });
      await mail.throttle(`unsubscribe-request:ip:${input.ip}`, SUBSCRIBE_LIMITS.perIp, words.tooManyRequests);
      await mail.throttle(`unsubscribe-request:address:${sha256(parsed.data)}`, SUBSCRIBE_LIMITS.perAddress, words.tooManyRequests);
      const subscriber = await subscribers.findByEmail(parsed.data);
      if (subscriber && (subscriber.status === 'active' || subscriber.status === 'pending')) await mail.sendUnsubscribeLink(subscriber);
    },
  };
}
