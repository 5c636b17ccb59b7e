// Mailgun's webhooks ("failed" permanent or temporary, "complained"): each body carries a
// signature, the HMAC-SHA256 of timestamp + token under the HTTP webhook signing key; the timestamp
// must be recent and a token is taken once. https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { safeEqual } from '../platform/tokens.ts';
import { jsonOf, WebhookAuthError, type ProviderEvent, type WebhookRequest } from './provider-events.ts';

/** How far a signature's timestamp may be from now. */
export const MAILGUN_TOLERANCE_SECONDS = 300;

const body = z.object({
  signature: z.object({
    // Sent as a string ("1529006854") though the reference types it as an int: both are taken, and
    // the HMAC covers its decimal digits either way.
    timestamp: z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative().max(999_999_999_999).transform(String)]),
    token: z.string().min(16).max(200),
    signature: z.string().regex(/^[0-9a-f]{64}$/i),
  }),
  'event-data': z.object({
    event: z.string().max(50),
    // "permanent" or "temporary", on "failed" events only.
    severity: z.string().max(50).optional(),
    recipient: z.string().max(320),
    message: z.object({ headers: z.object({ 'message-id': z.string().max(300).optional() }).optional() }).optional(),
  }),
});

/**
 * Checks the signature and its age, then what the event reports. `seen` says whether the token
 * was taken before (then the request is a replay, refused).
 */
export async function mailgunEvents(
  request: WebhookRequest,
  signingKey: string,
  now: Date,
  seen: (token: string) => Promise<boolean>,
): Promise<ProviderEvent[]> {
  const parsed = body.safeParse(jsonOf(request));
  if (!parsed.success) {
    const raw = jsonOf(request) as { signature?: unknown } | null;
    if (!raw || typeof raw !== 'object' || !raw.signature) throw new WebhookAuthError('The Mailgun signature is missing.');
    throw parsed.error;
  }
  const { signature, 'event-data': event } = parsed.data;
  const expected = createHmac('sha256', signingKey).update(`${signature.timestamp}${signature.token}`).digest('hex');
  if (!safeEqual(signature.signature.toLowerCase(), expected)) throw new WebhookAuthError('The Mailgun signature does not match: check MAILGUN_SIGNING_KEY.');
  if (Math.abs(now.getTime() / 1000 - Number(signature.timestamp)) > MAILGUN_TOLERANCE_SECONDS)
    throw new WebhookAuthError('The Mailgun signature is too old (a replayed request?).');
  if (await seen(signature.token)) throw new WebhookAuthError('This Mailgun token was used before (a replayed request).');
  const messageId = event.message?.headers?.['message-id'] ?? null;
  if (event.event === 'complained') return [{ email: event.recipient, feedback: 'complaint', messageId }];
  if (event.event === 'failed' && event.severity === 'permanent') return [{ email: event.recipient, feedback: 'bounce', messageId }];
  if (event.event === 'failed' && event.severity === 'temporary') return [{ email: event.recipient, feedback: 'soft_bounce', messageId }];
  return [];
}
