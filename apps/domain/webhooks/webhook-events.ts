// The events Veille tells other systems about, and what each carries. The services announce them
// (one place each) through an EventSink; the outgoing webhooks deliver them.

/** Every event a webhook may subscribe to. */
export const WEBHOOK_EVENTS = ['edition.published', 'edition.sent', 'subscriber.confirmed', 'subscriber.unsubscribed'] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** What each event says, in the `data` of its body. */
export type EventPayloads = {
  'edition.published': { period: string; title: string; url: string; publishedAt: string };
  'edition.sent': { period: string; title: string; url: string; recipients: number; accepted: number; finishedAt: string };
  /** `how`: the reader confirmed by email, undid an unsubscription, or an owner added them. */
  'subscriber.confirmed': { id: string; email: string; confirmedAt: string; how: 'confirmation' | 'resubscribed' | 'added' };
  /** `reason`: the reader's unsubscribe link, or a spam complaint their mailbox provider reported. */
  'subscriber.unsubscribed': { id: string; email: string; unsubscribedAt: string; reason: 'link' | 'complaint' };
};

/** Where services announce what happened, once the change is committed. */
export type EventSink = {
  emit: <N extends WebhookEventName>(name: N, data: EventPayloads[N]) => Promise<void>;
};

/** A sink that tells no one: for code paths and tools that have no webhooks to call. */
export const NO_EVENTS: EventSink = { emit: async () => undefined };

/** A short sentence per event, for the admin's form. */
export const EVENT_DESCRIPTIONS: Record<WebhookEventName, string> = {
  'edition.published': 'An edition is published on the site (now or at its scheduled time).',
  'edition.sent': 'An edition has been sent to every subscriber.',
  'subscriber.confirmed': 'A reader becomes an active subscriber (confirmed by email, came back, or added by an owner).',
  'subscriber.unsubscribed': 'A reader unsubscribes, or is unsubscribed by a spam complaint.',
};
