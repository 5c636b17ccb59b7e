// Postmark's bounce and spam complaint webhooks: authenticated by Basic credentials written into
// the webhook's URL (https://user:secret@host/webhooks/postmark), any user, the password being
// BOUNCE_WEBHOOK_SECRET. Payloads: https://postmarkapp.com/developer/webhooks/bounce-webhook and
// .../spam-complaint-webhook.
import { z } from 'zod';
import { safeEqual } from '../platform/tokens.ts';
import { headerOf, jsonOf, WebhookAuthError, type ProviderEvent, type WebhookRequest } from './provider-events.ts';

// By `Type`, the bounce type's name. `TypeCode` is not read: Postmark's own spam complaint example
// carries 512, the code its bounce-type table gives to SpamNotification.
const HARD = new Set(['HardBounce', 'BadEmailAddress']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked']);

const payload = z.object({
  RecordType: z.string().max(50),
  Type: z.string().max(50).optional(),
  Email: z.string().max(320),
  MessageID: z.string().max(200).optional(),
});

/** Refuses a request without the right password; what it reports otherwise (nothing for a record type Veille does not act on). */
export function postmarkEvents(request: WebhookRequest, secret: string): ProviderEvent[] {
  const authorization = headerOf(request, 'authorization') ?? '';
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization)?.[1];
  const decoded = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const password = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : '';
  if (!password || !safeEqual(password, secret))
    throw new WebhookAuthError('The webhook credentials are wrong: put BOUNCE_WEBHOOK_SECRET as the password in the URL.');
  const record = payload.parse(jsonOf(request));
  // Postmark's MessageID is its own; the original Message-ID is not passed on.
  // A complaint also shows as a bounce of type SpamComplaint in Postmark's bounce list.
  if (record.RecordType === 'SpamComplaint' || record.Type === 'SpamComplaint') return [{ email: record.Email, feedback: 'complaint', messageId: null }];
  if (record.RecordType !== 'Bounce' || !record.Type) return [];
  if (HARD.has(record.Type)) return [{ email: record.Email, feedback: 'bounce', messageId: null }];
  if (SOFT.has(record.Type)) return [{ email: record.Email, feedback: 'soft_bounce', messageId: null }];
  return [];
}
