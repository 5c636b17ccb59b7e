// How Veille signs the calls of its outgoing webhooks, as Stripe does: an HMAC-SHA256, keyed by
// the webhook's secret, of "<timestamp>.<body>", sent with the timestamp so that a receiver can
// refuse an old call replayed.
import { createHmac } from 'node:crypto';
import { randomToken, safeEqual } from '../platform/tokens.ts';

/** The header carrying `t=<unix seconds>,v1=<hex HMAC>`. */
export const SIGNATURE_HEADER = 'Veille-Signature';

/** A new webhook secret: what the receiver keeps to check signatures. */
export function newWebhookSecret(): string {
  return `whsec_${randomToken(24)}`;
}

/** The HMAC-SHA256 (hex) of `<timestamp>.<body>` under the secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The signature header's value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${webhookSignature(secret, timestamp, body)}`;
}

/**
 * What a receiver does with the header: true when one of its v1 signatures matches the body and
 * its timestamp is within `toleranceSeconds` of `now`.
 */
export function verifySignatureHeader(input: { secret: string; header: string; body: string; now: Date; toleranceSeconds?: number }): boolean {
  const parts = input.header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(input.now.getTime() / 1000 - timestamp) > (input.toleranceSeconds ?? 300)) return false;
  const expected = webhookSignature(input.secret, timestamp, input.body);
  return parts.some(([key, value]) => key === 'v1' && value !== undefined && safeEqual(value, expected));
}
