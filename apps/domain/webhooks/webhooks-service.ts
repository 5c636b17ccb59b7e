import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Webhook, WebhookDelivery, WebhooksRepository } from '../../../db/repositories/webhooks-repository.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
import { isForbiddenAddress } from '../links/address-checks.ts';
import { MetadataFetchError, postSafely, type PostResult } from '../links/safe-fetch.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { Queue } from '../platform/queue.ts';
import { parseInput, singleLineText } from '../platform/validation.ts';
import { WEBHOOK_EVENTS, type EventPayloads, type EventSink, type WebhookEventName } from './webhook-events.ts';
import { newWebhookSecret, signatureHeader, SIGNATURE_HEADER } from './webhook-signing.ts';

export type { Webhook, WebhookDelivery };

/** Attempts of one delivery before it is given up: the first and 7 retries, over one to two hours (pg-boss doubles the delay each time). */
export const WEBHOOK_MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;
/** A delivery recorded this long ago and never tried lost its job (a process stopped in between): it is queued again. */
const LOST_AFTER_MS = 2 * 60 * 1000;
const KEPT_DAYS = 30;

/** Sends one signed request; the SSRF-safe fetcher by default. */
export type WebhookPoster = (url: string, request: { headers: Record<string, string>; body: string; allowPrivate: boolean }) => Promise<PostResult>;

type Deps = {
  webhooks: WebhooksRepository;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  /** Lets hooks reach private and loopback addresses (FETCH_ALLOW_PRIVATE: tests, intranets); http is then allowed too. */
  allowPrivate: boolean;
  /** The first retry's delay; pg-boss doubles it for each next one. */
  retryDelaySeconds: number;
  post?: WebhookPoster;
};

const eventsField = z
  .union([z.string(), z.array(z.string())], { error: 'Choose at least one event.' })
  .transform((value) => [value].flat())
  .pipe(
    z
      .array(z.enum(WEBHOOK_EVENTS, { error: `Events are ${WEBHOOK_EVENTS.join(', ')}.` }))
      .min(1, { error: 'Choose at least one event.' })
      .max(WEBHOOK_EVENTS.length),
  )
  .transform((events) => WEBHOOK_EVENTS.filter((event) => events.includes(event)));

const defaultPost: WebhookPoster = (url, request) =>
  postSafely(url, { headers: request.headers, body: request.body, allowPrivate: request.allowPrivate, timeoutMs: TIMEOUT_MS, maxRedirects: 0 });

/**
 * Outgoing webhooks: owners register URLs for events; each event the services announce is recorded
 * per webhook and delivered by a job, signed, retried with back-off, and listed on the hook's page.
 */
export function createWebhooksService({ webhooks, queue, clock, publicUrl, allowPrivate, retryDelaySeconds, post = defaultPost }: Deps) {
  // https only: the calls carry readers' addresses. http, and private addresses, only where
  // FETCH_ALLOW_PRIVATE says this Veille runs in a test or an intranet. Names that resolve to a
  // private address are refused when the call is made (the fetcher checks every address).
  const urlField = z
    .string({ error: 'The URL is required.' })
    .trim()
    .min(1, { error: 'The URL is required.' })
    .max(2000, { error: 'The URL is at most 2,000 characters.' })
    .superRefine((value, context) => {
      const refusal = urlRefusal(value, allowPrivate);
      if (refusal) context.addIssue({ code: 'custom', message: refusal.message, params: { code: refusal.code } });
    });
  const formSchema = z.object({ url: urlField, events: eventsField, description: singleLineText('The description', 200).default('') });

  async function owned(actor: Actor, id: string): Promise<Webhook> {
    authorize(actor, 'webhooks.manage');
    const webhook = await webhooks.findById(id);
    if (!webhook) throw new NotFoundError('There is no such webhook.');
    return webhook;
  }

  /** Records one event for these hooks and queues its deliveries. */
  async function record(hooks: Webhook[], event: string, data: unknown): Promise<void> {
    if (hooks.length === 0) return;
    const eventId = randomUUID();
    const body = JSON.stringify({ id: eventId, type: event, createdAt: clock.now().toISOString(), data });
    const ids = await webhooks.insertDeliveries(hooks.map((hook) => ({ webhookId: hook.id, eventId, event, body })));
    for (const id of ids) await dispatch(id);
  }

  const dispatch = (deliveryId: number) =>
    queue.send('webhooks.deliver', { deliveryId }, { retryLimit: WEBHOOK_MAX_ATTEMPTS - 1, retryDelay: retryDelaySeconds, retryBackoff: true });

  const sink: EventSink = {
    async emit<N extends WebhookEventName>(name: N, data: EventPayloads[N]) {
      await record(await webhooks.activeFor(name), name, data);
    },
  };

  return {
    ...sink,

    /** Every webhook with its latest delivery (owners only: their calls carry readers' addresses). */
    async list({ actor }: { actor: Actor }) {
      authorize(actor, 'webhooks.manage');
      return webhooks.list();
    },

    /** Registers a URL for some events, with a new secret to check the signatures with. */
    async create({ actor, ...input }: { actor: Actor; url?: unknown; events?: unknown; description?: unknown }): Promise<Webhook> {
      authorize(actor, 'webhooks.manage');
      const values = parseInput(formSchema, input);
      return webhooks.create({ ...values, secret: newWebhookSecret(), createdBy: actor.id });
    },

    /** A webhook and its latest deliveries, newest first. */
    async get({ actor, id, limit = 50 }: { actor: Actor; id: string; limit?: number }) {
      const webhook = await owned(actor, id);
      return { webhook, deliveries: await webhooks.deliveries(webhook.id, limit) };
    },

    /** Changes a webhook's URL, events or description, or turns it off and on. */
    async update({ actor, id, ...input }: { actor: Actor; id: string; url?: unknown; events?: unknown; description?: unknown; active?: unknown }) {
      const current = await owned(actor, id);
      const values = parseInput(formSchema.partial().extend({ active: z.boolean({ error: 'active is true or false.' }).optional() }), input);
      return (await webhooks.update(current.id, values))!;
    },

    /** A new secret for a webhook; the old one stops working at once. */
    async rollSecret({ actor, id }: { actor: Actor; id: string }): Promise<Webhook> {
      const current = await owned(actor, id);
      return (await webhooks.update(current.id, { secret: newWebhookSecret() }))!;
    },

    /** Removes a webhook and the record of its deliveries. */
    async remove({ actor, id }: { actor: Actor; id: string }): Promise<void> {
      const current = await owned(actor, id);
      await webhooks.delete(current.id);
    },

    /** Sends a `ping` event to one webhook, to check the receiving side. */
    async ping({ actor, id }: { actor: Actor; id: string }): Promise<void> {
      const webhook = await owned(actor, id);
      await record([webhook], 'ping', { webhookId: webhook.id, url: webhook.url, events: webhook.events });
    },

    /**
     * Makes one attempt at a delivery (the `webhooks.deliver` job): signed with the current time,
     * a 2xx is delivered; anything else is retried by the job queue (it throws) until the last
     * attempt, then given up. Nothing happens to a delivery already settled or removed.
     */
    async deliver({ deliveryId }: { deliveryId: number }): Promise<void> {
      const found = await webhooks.findDelivery(deliveryId);
      if (!found || found.delivery.status === 'delivered' || found.delivery.status === 'failed') return;
      const { delivery, webhook } = found;
      const now = clock.now();
      if (!webhook.active) {
        await webhooks.recordAttempt(delivery.id, { status: 'failed', responseCode: null, response: 'The webhook was turned off.', at: now });
        return;
      }
      const timestamp = Math.floor(now.getTime() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': `Veille-Webhooks (+${publicUrl})`,
        'veille-event': delivery.event,
        'veille-delivery': delivery.eventId,
        'veille-timestamp': String(timestamp),
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(webhook.secret, timestamp, delivery.body),
      };
      let outcome: { code: number | null; response: string };
      try {
        const answer = await post(webhook.url, { headers, body: delivery.body, allowPrivate });
        outcome = { code: answer.status, response: answer.body.trim() || `HTTP ${answer.status}` };
      } catch (error) {
        if (!(error instanceof MetadataFetchError)) throw error;
        outcome = { code: null, response: error.reason };
      }
      const delivered = outcome.code !== null && outcome.code >= 200 && outcome.code < 300;
      const last = delivery.attempts + 1 >= WEBHOOK_MAX_ATTEMPTS;
      const status = delivered ? 'delivered' : last ? 'failed' : 'retrying';
      await webhooks.recordAttempt(delivery.id, { status, responseCode: outcome.code, response: outcome.response, at: clock.now() });
      // The job queue retries it, with a delay that doubles each time.
      if (status === 'retrying') throw new Error(`webhook delivery ${delivery.id} to ${new URL(webhook.url).host} failed: ${outcome.code ?? outcome.response}`);
    },

    /** Queues again the deliveries whose job was lost, and forgets those older than 30 days: run by the periodic clean-up. */
    async maintain(): Promise<{ requeued: number; purged: number }> {
      const lost = await webhooks.untriedBefore(new Date(clock.now().getTime() - LOST_AFTER_MS), 500);
      for (const id of lost) await dispatch(id);
      const purged = await webhooks.purgeBefore(new Date(clock.now().getTime() - KEPT_DAYS * 24 * 60 * 60 * 1000));
      return { requeued: lost.length, purged };
    },
  };
}

/** Why a webhook URL is refused, or undefined. */
function urlRefusal(value: string, allowPrivate: boolean): { code: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { code: 'url_invalid', message: 'Enter a full URL, such as https://example.org/hooks/veille.' };
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    return { code: 'url_not_https', message: 'The URL must start with https:// (the calls carry readers’ addresses).' };
  if (url.username || url.password) return { code: 'url_credentials', message: 'Put no user name or password in the URL: check the signature instead.' };
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isForbiddenAddress(host)))
    return { code: 'url_private', message: 'This address is on a private network, which Veille does not call.' };
  return undefined;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
