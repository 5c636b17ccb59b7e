import { z } from 'zod';
import type { RateLimitsRepository } from '../../../db/repositories/rate-limits-repository.ts';
import type { BounceConfig } from '../../bootstrap/config.ts';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import { fetchResource, MetadataFetchError } from '../links/safe-fetch.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import type { SubscribersService } from '../subscribers/subscribers-service.ts';
import { mailgunEvents, MAILGUN_TOLERANCE_SECONDS } from './mailgun.ts';
import { postmarkEvents } from './postmark.ts';
import { editionOfMessageId, PROVIDERS, type ProviderEvent, type ProviderName, type WebhookRequest } from './provider-events.ts';
import { sendgridEvents, sendgridKey } from './sendgrid.ts';
import { isSnsUrl, sesEvents, SNS_TOLERANCE_MS, verifySnsMessage } from './sns.ts';

export { PROVIDERS, type ProviderName };

/** Fetches a URL of SNS's (a certificate, a subscription's confirmation): the SSRF-safe fetcher by default. */
export type SnsFetcher = (url: string) => Promise<{ status: number; body: Buffer }>;

type Deps = {
  config: BounceConfig;
  /** The host of Veille's Message-IDs: a feedback naming one is matched to its edition. */
  publicUrl: string;
  allowPrivate: boolean;
  subscribers: Pick<SubscribersService, 'findByEmail' | 'recordBounce' | 'recordComplaint'>;
  delivery: Pick<DeliveryService, 'recordFeedback'>;
  rateLimits: Pick<RateLimitsRepository, 'hit'>;
  clock: Clock;
  fetchSns?: SnsFetcher;
};

/** What a webhook call did: for the log line and the provider's answer. */
export type Receipt = { provider: ProviderName; reported: number; applied: number; unknown: number; paused: number; note?: string };

const providerField = z.enum(PROVIDERS, { error: `Known providers are ${PROVIDERS.join(', ')}.` });
const CERTIFICATES_KEPT = 20;

/**
 * The providers' bounce and complaint webhooks: each request is authenticated the way its provider
 * signs it, then what it reports goes through the subscribers service (suppression, the growth
 * chart's events) and the delivery service (the send's counts and its automatic pause).
 */
export function createBouncesService(deps: Deps) {
  const { config, subscribers, delivery, rateLimits, clock } = deps;
  const host = new URL(deps.publicUrl).hostname;
  const fetchSns: SnsFetcher =
    deps.fetchSns ?? ((url) => fetchResource(url, { allowPrivate: deps.allowPrivate, maxBytes: 64 * 1024, timeoutMs: 10_000, maxRedirects: 0 }));
  // Certificates by URL: SNS signs every message with the same one for months.
  const certificates = new Map<string, Promise<string>>();

  function certificate(url: string): Promise<string> {
    let pending = certificates.get(url);
    if (!pending) {
      pending = fetchSns(url).then((answer) => {
        const pem = answer.body.toString('utf8');
        if (answer.status !== 200 || !pem.includes('BEGIN CERTIFICATE')) throw new ValidationError('The SNS signing certificate could not be fetched.');
        return pem;
      });
      // A failed fetch is not kept: the next message tries again.
      pending.catch(() => certificates.delete(url));
      if (certificates.size >= CERTIFICATES_KEPT) certificates.delete(certificates.keys().next().value!);
      certificates.set(url, pending);
    }
    return pending;
  }

  const required = <T>(value: T | undefined, name: string): T => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new NotFoundError(`This webhook is off: ${name} is not set.`);
    return value;
  };

  /** Whether this key was seen within the window (and records it). */
  const seenBefore = async (key: string, windowMs: number) => (await rateLimits.hit(key, clock.now(), windowMs)).count > 1;

  /** What one provider's request reports, once authenticated; `note` for what needs no change (a confirmation). */
  async function eventsOf(provider: ProviderName, request: WebhookRequest): Promise<{ events: ProviderEvent[]; note?: string }> {
    const now = clock.now();
    switch (provider) {
      case 'postmark':
        return { events: postmarkEvents(request, required(config.webhookSecret, 'BOUNCE_WEBHOOK_SECRET')) };
      case 'mailgun': {
        const key = required(config.mailgunSigningKey, 'MAILGUN_SIGNING_KEY');
        const windowMs = 2 * MAILGUN_TOLERANCE_SECONDS * 1000;
        return { events: await mailgunEvents(request, key, now, (token) => seenBefore(`webhook:mailgun:${token}`, windowMs)) };
      }
      case 'sendgrid':
        return { events: sendgridEvents(request, sendgridKey(required(config.sendgridPublicKey, 'SENDGRID_WEBHOOK_PUBLIC_KEY')), now) };
      case 'ses': {
        const message = await verifySnsMessage(request, {
          topicArns: required(config.snsTopicArns, 'SNS_TOPIC_ARNS'),
          origin: config.snsOrigin,
          now,
          certificate,
        });
        if (message.Type === 'SubscriptionConfirmation') return { events: [], note: await confirmSubscription(message.SubscribeURL) };
        if (message.Type === 'UnsubscribeConfirmation') return { events: [], note: 'the topic unsubscribed this endpoint' };
        // SNS delivers at least once: a message seen already is acknowledged, not counted again.
        if (await seenBefore(`webhook:sns:${message.MessageId}`, 2 * SNS_TOLERANCE_MS)) return { events: [], note: 'message delivered before' };
        return { events: sesEvents(message.Message) };
      }
    }
  }

  async function confirmSubscription(url: string | undefined): Promise<string> {
    if (!url || !isSnsUrl(url, config.snsOrigin)) throw new ValidationError('The SubscribeURL is not an SNS address.');
    let answer: { status: number };
    try {
      answer = await fetchSns(url);
    } catch (error) {
      if (error instanceof MetadataFetchError) throw new ValidationError(`The subscription could not be confirmed: ${error.reason}`);
      throw error;
    }
    if (answer.status !== 200) throw new ValidationError(`The subscription could not be confirmed: SNS answered ${answer.status}.`);
    return 'subscription confirmed';
  }

  return {
    /**
     * Takes one webhook call: refused (401) when its signature or secret is wrong, (400) when the
     * body is not what the provider sends; otherwise each reported address is acted on, and
     * addresses Veille does not know are counted and left alone.
     */
    async receive({ provider: name, headers, body }: { provider: string; headers: WebhookRequest['headers']; body: unknown }): Promise<Receipt> {
      const provider = providerField.parse(name);
      const request: WebhookRequest = { headers, body: Buffer.isBuffer(body) ? body : Buffer.alloc(0) };
      if (request.body.length === 0) throw new ValidationError('The body is empty.');
      const { events, note } = await eventsOf(provider, request);
      const receipt: Receipt = { provider, reported: events.length, applied: 0, unknown: 0, paused: 0, ...(note ? { note } : {}) };
      for (const event of events) {
        const subscriber = await subscribers.findByEmail({ email: event.email.trim().toLowerCase() });
        if (!subscriber) {
          receipt.unknown += 1;
          continue;
        }
        if (event.feedback === 'bounce') await subscribers.recordBounce({ subscriberId: subscriber.id, source: provider });
        if (event.feedback === 'complaint') await subscribers.recordComplaint({ subscriberId: subscriber.id, source: provider });
        const counted = await delivery.recordFeedback({
          subscriberId: subscriber.id,
          editionId: editionOfMessageId(event.messageId, host),
          feedback: event.feedback,
          at: clock.now(),
          source: provider,
        });
        receipt.applied += 1;
        if (counted?.paused) receipt.paused += 1;
      }
      return receipt;
    },
  };
}

export type BouncesService = ReturnType<typeof createBouncesService>;
