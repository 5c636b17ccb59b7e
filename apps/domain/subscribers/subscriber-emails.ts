// The emails a reader gets about their subscription: the confirmation link and the welcome. Both
// come from the newsletter's sender, in its language, from the templates in views/email/.
import type { Settings } from '../editions/settings-service.ts';
import { renderMessage } from '../mail/email-templates.ts';
import { newsletterSender } from '../mail/sender.ts';
import { wordsFor } from '../platform/locales/index.ts';
import type { JobPayloads } from '../platform/queue.ts';

type Newsletter = Pick<Settings, 'locale' | 'newsletterName' | 'senderName' | 'senderEmail'>;

/** The email that asks a new reader to confirm their address. */
export function confirmationEmail(input: { settings: Newsletter; to: string; link: string }): JobPayloads['email.send'] {
  const words = wordsFor(input.settings.locale).subscription;
  const subject = words.confirmSubject(input.settings.newsletterName);
  const body = renderMessage('confirmation', { lang: input.settings.locale, subject, words, newsletter: input.settings.newsletterName, link: input.link });
  return { to: input.to, from: newsletterSender(input.settings), subject, ...body };
}

/** The email that welcomes a reader once confirmed, with the archive and a one-click unsubscribe. */
export function welcomeEmail(input: { settings: Newsletter; to: string; archiveUrl: string; unsubscribeUrl: string }): JobPayloads['email.send'] {
  const words = wordsFor(input.settings.locale).subscription;
  const subject = words.welcomeSubject(input.settings.newsletterName);
  const body = renderMessage('welcome', {
    lang: input.settings.locale,
    subject,
    words,
    newsletter: input.settings.newsletterName,
    archiveUrl: input.archiveUrl,
    unsubscribeUrl: input.unsubscribeUrl,
  });
  return {
    to: input.to,
    from: newsletterSender(input.settings),
    subject,
    ...body,
    headers: { 'List-Unsubscribe': `<${input.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

/** The email that carries a link to unsubscribe, to a reader who asked for one by address. */
export function unsubscribeLinkEmail(input: { settings: Newsletter; to: string; link: string }): JobPayloads['email.send'] {
  const words = wordsFor(input.settings.locale).subscription;
  const subject = words.unsubscribeSubject(input.settings.newsletterName);
  const body = renderMessage('unsubscribe-link', { lang: input.settings.locale, subject, words, newsletter: input.settings.newsletterName, link: input.link });
  return { to: input.to, from: newsletterSender(input.settings), subject, ...body };
}
