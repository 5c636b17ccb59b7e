// The rules about readers that need no database: statuses, who receives an edition, the links in
// their emails and the admin's filter.
import { z } from 'zod';
import type { Suppression, SuppressionReason, SubscriberStatus } from '../../../db/repositories/subscribers-repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import type { LinkPurpose } from '../platform/locales/index.ts';
import { hmac, safeEqual } from '../platform/tokens.ts';
import { fieldErrors } from '../platform/validation.ts';

export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced'] as const;
const HOUR_MS = 60 * 60 * 1000;
/** How long after unsubscribing the "subscribe again" button works; later, a confirmed subscription is needed. */
export const RESUBSCRIBE_WINDOW_MS = 24 * HOUR_MS;
export const SUBSCRIBE_LIMITS = { perIp: 10, perAddress: 3 };

/**
 * Who receives an edition: the subscribers who confirmed and have neither left nor bounced. The
 * send's audience is chosen with it, and each delivery is checked against it again when its turn
 * comes (a reader may leave in the middle of a send).
 */
export const EDITION_AUDIENCE: { statuses: SubscriberStatus[] } = { statuses: ['active'] };

/** True when a subscriber in this status (null: erased) is to receive an edition. */
export function receivesEditions(status: SubscriberStatus | null): boolean {
  return status !== null && EDITION_AUDIENCE.statuses.includes(status);
}

/** How many subscribers an edition would reach, from the counts by status. */
export function audienceSize(counts: Record<SubscriberStatus, number>): number {
  return EDITION_AUDIENCE.statuses.reduce((sum, status) => sum + counts[status], 0);
}

/** Why an address is suppressed, as the admin says it. */
export const SUPPRESSION_REASONS: Record<SuppressionReason, string> = {
  bounce: 'Suppressed: the address bounced (it does not exist).',
  complaint: 'Suppressed: its reader reported an edition as spam.',
  soft_bounces: 'Suppressed: it bounced several sends in a row.',
};

/** The refusal of a suppressed address where only a confirmed subscription may bring it back. */
export function suppressedMessage(suppression: Suppression): string {
  const why =
    suppression.reason === 'complaint'
      ? 'its reader reported an edition as spam'
      : suppression.reason === 'bounce'
        ? 'it bounced'
        : 'it bounced several sends in a row';
  return `This address is suppressed: ${why} on ${suppression.createdAt.toISOString().slice(0, 10)}. The reader can subscribe again from the site, with a confirmation email.`;
}

export type Purpose = LinkPurpose;

const INVALID_LINK: Record<Purpose, string> = {
  confirm: 'This confirmation link is invalid or has expired. Subscribe again to get a new one.',
  unsubscribe: 'This unsubscribe link is invalid.',
  resubscribe: 'This link to subscribe again has expired. Subscribe again from the site: you will get a confirmation email.',
};

/** A link from an email that names no subscriber (tampered with, expired, or for someone erased); `purpose` says which link. */
export class InvalidLinkError extends NotFoundError {
  constructor(readonly purpose: Purpose) {
    super(INVALID_LINK[purpose]);
  }
}

const filterSchema = z.object({
  status: z.union([z.enum(SUBSCRIBER_STATUSES, { error: 'Unknown status.' }), z.literal('')]).optional(),
  q: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

/** The admin's filter of the readers' list, or the reason it is not one. */
export function parseSubscriberFilter(input: { status?: unknown; q?: unknown; page?: unknown }): {
  filter: { status?: SubscriberStatus; q?: string; page: number };
  error?: ValidationError;
} {
  const parsed = filterSchema.safeParse(input);
  if (!parsed.success) return { filter: { page: 1 }, error: new ValidationError('Invalid filter.', fieldErrors(parsed.error)) };
  return { filter: { status: parsed.data.status || undefined, q: parsed.data.q?.trim() || undefined, page: parsed.data.page } };
}

/** Signed, URL-safe tokens for links in emails: `id.expiry.signature`, checked without a lookup table. */
export function createSubscriberTokens(secret: string) {
  const sign = (purpose: Purpose, id: string, expires: string) => hmac(secret, `subscriber:${purpose}:${id}:${expires}`).slice(0, 32);
  return {
    issue(purpose: Purpose, id: string, expiresAt?: Date): string {
      const expires = expiresAt ? Math.floor(expiresAt.getTime() / 1000).toString(36) : '0';
      return `${id}.${expires}.${sign(purpose, id, expires)}`;
    },
    /** The subscriber id in a valid token; undefined when tampered with, for another purpose, or expired. */
    verify(purpose: Purpose, token: string, now: Date): string | undefined {
      const parts = token.length <= 200 ? token.split('.') : [];
      if (parts.length !== 3) return undefined;
      const [id, expires, signature] = parts as [string, string, string];
      if (!z.uuid().safeParse(id).success || !safeEqual(sign(purpose, id, expires), signature)) return undefined;
      if (expires !== '0' && Number.parseInt(expires, 36) * 1000 < now.getTime()) return undefined;
      return id;
    },
  };
}
