// SendGrid's signed Event Webhook: an array of events, signed with ECDSA P-256 over the timestamp
// header followed by the raw body, checked with the verification key SendGrid shows.
// https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { headerOf, jsonOf, WebhookAuthError, type ProviderEvent, type WebhookRequest } from './provider-events.ts';

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';
/** How far the timestamp header may be from now. */
export const SENDGRID_TOLERANCE_SECONDS = 600;

const events = z
  .array(
    z.object({
      // Account events (account_status_change) carry no address.
      email: z.string().max(320).optional(),
      event: z.string().max(50),
      type: z.string().max(50).optional(),
      reason: z.string().max(2000).optional(),
      'smtp-id': z.string().max(300).optional(),
    }),
  )
  .max(10_000);

/** The key as configured: base64 DER (as SendGrid shows it) or PEM. */
export function sendgridKey(value: string): KeyObject {
  return value.includes('BEGIN PUBLIC KEY')
    ? createPublicKey(value.replace(/\\n/g, '\n'))
    : createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
}

/** Why SendGrid dropped a message without trying it, for the reasons that say something about the address. */
const DROPPED: Record<string, ProviderEvent['feedback']> = {
  'Bounced Address': 'bounce',
  'Invalid Address': 'bounce',
  Invalid: 'bounce',
  'Spam Reporting Address': 'complaint',
};

/** Checks the signature and its age, then what the events report (bounces, blocks, drops, spam reports). */
export function sendgridEvents(request: WebhookRequest, key: KeyObject, now: Date): ProviderEvent[] {
  const signature = headerOf(request, SIGNATURE_HEADER);
  const timestamp = headerOf(request, TIMESTAMP_HEADER);
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) throw new WebhookAuthError('The SendGrid signature headers are missing.');
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
  let valid = false;
  try {
    valid = verify('sha256', signed, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new WebhookAuthError('The SendGrid signature does not match: check SENDGRID_WEBHOOK_PUBLIC_KEY.');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SENDGRID_TOLERANCE_SECONDS)
    throw new WebhookAuthError('The SendGrid signature is too old (a replayed request?).');
  const found: ProviderEvent[] = [];
  for (const event of events.parse(jsonOf(request))) {
    if (!event.email) continue;
    const messageId = event['smtp-id'] ?? null;
    // "bounce" of type "blocked" is a refusal for now (policy, reputation); of type "bounce" (or none, in
    // older batches), for good. A drop is SendGrid's own suppression list speaking: the address bounced or
    // complained before, through another sender of the account.
    if (event.event === 'spamreport') found.push({ email: event.email, feedback: 'complaint', messageId });
    else if (event.event === 'bounce') found.push({ email: event.email, feedback: event.type === 'blocked' ? 'soft_bounce' : 'bounce', messageId });
    else if (event.event === 'dropped' && event.reason && DROPPED[event.reason])
      found.push({ email: event.email, feedback: DROPPED[event.reason]!, messageId });
  }
  return found;
}
