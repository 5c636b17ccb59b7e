// Who the newsletter's emails come from. Every email a reader gets (the edition, the confirmation,
// the welcome) names the same sender: the one the settings give, or the server's MAIL_FROM.
import type { Settings } from '../editions/settings-service.ts';
import type { Mailbox } from './mailer.ts';

/**
 * The sender the settings name (the sender name, or else the newsletter's name, with the sender
 * address); undefined when they name no address, and the mailer's MAIL_FROM is used instead.
 */
export function newsletterSender(settings: Pick<Settings, 'newsletterName' | 'senderName' | 'senderEmail'>): Mailbox | undefined {
  if (!settings.senderEmail) return undefined;
  return { name: settings.senderName || settings.newsletterName, address: settings.senderEmail };
}
