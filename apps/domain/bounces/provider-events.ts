// What the email providers' webhooks say, reduced to what Veille does with it: an address, and
// whether its message bounced for good, bounced for now, or was reported as spam.
import type { Feedback } from '../../../db/repositories/sends-repository.ts';
import { UnauthenticatedError, ValidationError } from '../platform/errors.ts';

/** The providers whose webhooks Veille takes, by the last segment of /webhooks/<provider>. */
export const PROVIDERS = ['ses', 'postmark', 'mailgun', 'sendgrid'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** One thing a provider reported about one address. */
export type ProviderEvent = {
  email: string;
  feedback: Feedback;
  /** The Message-ID of the message it is about, when the provider passes it on (angle brackets or not). */
  messageId: string | null;
};

/** The request as the webhook received it: the raw bytes are what the signatures cover. */
export type WebhookRequest = { headers: Record<string, string | string[] | undefined>; body: Buffer };

/** A refused signature or secret: a 401, with the reason in the log. */
export class WebhookAuthError extends UnauthenticatedError {}

/** One header's value (the first, when sent several times). */
export function headerOf(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Text as JSON; text that is not JSON is refused (a 4xx, never a 500). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The body is not valid JSON.');
  }
}

/** The raw body as JSON. */
export function jsonOf(request: WebhookRequest): unknown {
  return parseJson(request.body.toString('utf8'));
}

/** The edition a Veille Message-ID (`<edition.subscriber@host>`) names, or undefined for any other. */
export function editionOfMessageId(messageId: string | null, host: string): string | undefined {
  const match = /^<?([0-9a-f-]{36})\.([0-9a-f-]{36})@([^>]+)>?$/i.exec(messageId?.trim() ?? '');
  return match && match[3]!.toLowerCase() === host.toLowerCase() ? match[1]!.toLowerCase() : undefined;
}
