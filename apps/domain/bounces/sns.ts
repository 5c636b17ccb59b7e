// Amazon SES feedback through SNS: each message is signed (SignatureVersion 1: RSA-SHA1, 2:
// RSA-SHA256) with a certificate SNS publishes at SigningCertURL, which must be an
// https://sns.<region>.amazonaws.com/ address (or the configured origin, for tests). Subscriptions
// are confirmed by fetching SubscribeURL. https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
import { createVerify } from 'node:crypto';
import { z } from 'zod';
import { jsonOf, parseJson, WebhookAuthError, type ProviderEvent, type WebhookRequest } from './provider-events.ts';

/** How old a message's Timestamp may be (SNS retries a delivery for up to an hour with its default policy's longer variants). */
export const SNS_TOLERANCE_MS = 60 * 60 * 1000;

const envelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().max(100),
  TopicArn: z.string().max(300),
  Message: z.string().max(200_000),
  Timestamp: z.string().max(40),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().max(2000),
  SigningCertURL: z.string().max(500),
  Subject: z.string().max(300).optional(),
  SubscribeURL: z.string().max(2000).optional(),
  Token: z.string().max(2000).optional(),
});
export type SnsEnvelope = z.infer<typeof envelope>;

const recipients = z.array(z.object({ emailAddress: z.string().max(320) })).max(100);
const sesMessage = z.object({
  notificationType: z.string().max(50).optional(),
  eventType: z.string().max(50).optional(),
  bounce: z.object({ bounceType: z.string().max(50), bouncedRecipients: recipients }).optional(),
  complaint: z.object({ complainedRecipients: recipients, complaintFeedbackType: z.string().max(50).optional() }).optional(),
  mail: z
    .object({
      commonHeaders: z.object({ messageId: z.string().max(300).optional() }).optional(),
      headers: z.array(z.object({ name: z.string().max(200), value: z.string().max(2000) })).optional(),
    })
    .optional(),
});

/** The fields signed for each message type, in this order (`Subject` only when present). */
function stringToSign(message: SnsEnvelope): string {
  const keys: Array<keyof SnsEnvelope> =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys
    .filter((key) => message[key] !== undefined)
    .map((key) => `${key}\n${message[key]}\n`)
    .join('');
}

/** Whether a URL is one SNS itself serves: https://sns.<region>.amazonaws.com[.cn]/..., or under the configured origin. */
export function isSnsUrl(value: string, origin: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (origin) return url.origin === origin;
  return url.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname) && url.port === '';
}

type Settings = {
  topicArns: string[];
  origin: string | undefined;
  now: Date;
  /** The PEM certificate at a URL already checked to be SNS's. */
  certificate: (url: string) => Promise<string>;
};

/**
 * Checks a message: a topic Veille was told about, a certificate of SNS's, a valid signature, a
 * recent timestamp. The envelope is returned for the caller to act on (confirm, or read).
 */
export async function verifySnsMessage(request: WebhookRequest, settings: Settings): Promise<SnsEnvelope> {
  const message = envelope.parse(jsonOf(request));
  if (!settings.topicArns.includes(message.TopicArn)) throw new WebhookAuthError(`The SNS topic ${message.TopicArn} is not in SNS_TOPIC_ARNS.`);
  if (!isSnsUrl(message.SigningCertURL, settings.origin) || !new URL(message.SigningCertURL).pathname.endsWith('.pem'))
    throw new WebhookAuthError('The SNS signing certificate is not at an SNS address.');
  const pem = await settings.certificate(message.SigningCertURL);
  const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(stringToSign(message), 'utf8');
  let valid = false;
  try {
    valid = verifier.verify(pem, message.Signature, 'base64');
  } catch {
    valid = false;
  }
  if (!valid) throw new WebhookAuthError('The SNS signature does not match.');
  const sent = Date.parse(message.Timestamp);
  if (!Number.isFinite(sent) || Math.abs(settings.now.getTime() - sent) > SNS_TOLERANCE_MS)
    throw new WebhookAuthError('The SNS message is too old (a replayed request?).');
  return message;
}

/** What an SES notification (a Notification's Message) reports: permanent and transient bounces, complaints. */
export function sesEvents(message: string): ProviderEvent[] {
  const parsed = sesMessage.parse(parseJson(message));
  const kind = parsed.notificationType ?? parsed.eventType;
  const messageId = parsed.mail?.commonHeaders?.messageId ?? parsed.mail?.headers?.find((header) => header.name.toLowerCase() === 'message-id')?.value ?? null;
  // A feedback report of type "not-spam" is a reader taking a message out of the spam folder.
  if (kind === 'Complaint' && parsed.complaint?.complaintFeedbackType === 'not-spam') return [];
  if (kind === 'Complaint' && parsed.complaint)
    return parsed.complaint.complainedRecipients.map((recipient) => ({ email: recipient.emailAddress, feedback: 'complaint' as const, messageId }));
  if (kind === 'Bounce' && parsed.bounce) {
    const feedback = parsed.bounce.bounceType === 'Permanent' ? 'bounce' : parsed.bounce.bounceType === 'Transient' ? 'soft_bounce' : undefined;
    if (!feedback) return [];
    return parsed.bounce.bouncedRecipients.map((recipient) => ({ email: recipient.emailAddress, feedback, messageId }));
  }
  return [];
}
