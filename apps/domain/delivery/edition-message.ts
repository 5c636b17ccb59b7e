// An edition as the message a send copies to each subscriber: rendered once, encoded once as a MIME
// template, then per recipient only their address, Message-ID and unsubscribe link change.
import type { Settings } from '../editions/settings-service.ts';
import { renderEditionEmail, UNSUBSCRIBE_PLACEHOLDER, type EditionEmail, type LinkHref } from '../editions/edition-email.ts';
import type { EditionDocument, NewsletterInfo } from '../editions/edition-types.ts';
import type { Mailbox, RawMessage } from '../mail/mailer.ts';
import { compileMessageTemplate, type MessageTemplate } from '../mail/mime-template.ts';
import { newsletterSender } from '../mail/sender.ts';

/** The edition's email and what every copy of it shares. */
export type PreparedEdition = {
  email: EditionEmail;
  /** Encodes the email as the MIME template a send copies (previews and checks never need it). */
  compile: (subject: string) => MessageTemplate;
  envelopeFrom: string;
  /** The sender's own address, for the mailto: unsubscribe; none when the server's MAIL_FROM sends. */
  mailto: string | undefined;
};

/**
 * Renders an edition's email once, from the newsletter's sender (or the server's default one).
 * With `linkHref`, the edition's links go through their counted addresses: the same for every
 * reader, so they are written once here, not per copy.
 */
export function prepareEdition(input: {
  doc: EditionDocument;
  info: NewsletterInfo;
  settings: Settings;
  publicUrl: string;
  defaultFrom: Mailbox;
  linkHref?: LinkHref;
}): PreparedEdition {
  const { doc, info, settings, publicUrl } = input;
  const host = new URL(publicUrl).hostname;
  const email = renderEditionEmail(doc, info, { viewInBrowserUrl: publicUrl + doc.path, footer: settings.footer, linkHref: input.linkHref });
  const listId = `${
    settings.newsletterName
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/[<>"]/g, '')
      .trim() || 'Newsletter'
  } <newsletter.${host}>`;
  const own = newsletterSender(settings);
  const from = own ?? input.defaultFrom;
  const compile = (subject: string) =>
    compileMessageTemplate({
      from,
      subject,
      html: email.html,
      text: email.text,
      placeholder: UNSUBSCRIBE_PLACEHOLDER,
      headers: { 'List-Id': listId, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', Precedence: 'bulk' },
    });
  return { email, compile, envelopeFrom: from.address, mailto: own?.address };
}

/**
 * One subscriber's copy: personal unsubscribe link and one-click headers, and a Message-ID the
 * caller derives from the edition and the subscriber, so that a copy sent twice after an uncertain
 * SMTP answer is recognisable as one message.
 */
export function copyFor(input: {
  prepared: PreparedEdition;
  template: MessageTemplate;
  messageId: string;
  to: string;
  unsubscribeUrl: string;
  date: Date;
  scratch?: { buffer: Buffer };
}): RawMessage {
  const { prepared, unsubscribeUrl } = input;
  const listUnsubscribe = [`<${unsubscribeUrl}>`, ...(prepared.mailto ? [`<mailto:${prepared.mailto}?subject=unsubscribe>`] : [])].join(', ');
  const raw = input.template.render(
    { to: input.to, messageId: input.messageId, url: unsubscribeUrl, headers: { 'List-Unsubscribe': listUnsubscribe }, date: input.date },
    input.scratch,
  );
  return { envelope: { from: prepared.envelopeFrom, to: input.to }, raw, messageId: input.messageId };
}
