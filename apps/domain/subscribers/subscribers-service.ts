import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { RateLimitsRepository } from '../../../db/repositories/rate-limits-repository.ts';
import type { Subscriber, SubscriberStatus, SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { wordsFor, type Locale } from '../platform/locales/index.ts';
import type { Queue } from '../platform/queue.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { ExportSubscriber } from '../exports/export-format.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
import { createSubscriberMail } from './subscriber-mail.ts';
import { createUnsubscribeRequests } from './unsubscribe-request.ts';
import { subscribersCsv } from './subscriber-export.ts';
import { parseSubscriberCsv } from './subscriber-import.ts';
import { sha256 } from '../platform/tokens.ts';
import { emailField, parseInput } from '../platform/validation.ts';

export type { Subscriber, SubscriberStatus };
export {
  audienceSize,
  createSubscriberTokens,
  EDITION_AUDIENCE,
  InvalidLinkError,
  parseSubscriberFilter,
  receivesEditions,
  RESUBSCRIBE_WINDOW_MS,
  SUBSCRIBE_LIMITS,
  SUBSCRIBER_STATUSES,
} from './subscriber-rules.ts';
import { createSubscriberTokens, InvalidLinkError, parseSubscriberFilter, RESUBSCRIBE_WINDOW_MS, SUBSCRIBE_LIMITS, type Purpose } from './subscriber-rules.ts';

type Deps = {
  db: Database;
  subscribers: SubscribersRepository;
  rateLimits: RateLimitsRepository;
  settings: SettingsService;
  queue: Queue;
  clock: Clock;
  publicUrl: string;
  secret: string;
};

// How much of a reader's history their page shows, and how often an editor may resend their link.
const HISTORY_SIZE = 100;
const RESEND_PER_HOUR = 3;

/** Readers: double opt-in subscription, one-click unsubscription, bounces, the admin's list. */
export function createSubscribersService({ db, subscribers, rateLimits, settings, queue, clock, publicUrl, secret }: Deps) {
  const tokens = createSubscriberTokens(secret);

  const mail = createSubscriberMail({ subscribers, rateLimits, settings, queue, clock, publicUrl, tokens });
  const { sendConfirmation, sendWelcome } = mail;
  const throttle = (key: string, limit: number, locale: Locale) => mail.throttle(key, limit, wordsFor(locale).subscription.tooManyRequests);
  const unsubscribeUrl = mail.unsubscribeUrl;

  async function findForAdmin(id: string): Promise<Subscriber> {
    const subscriber = z.uuid().safeParse(id).success ? await subscribers.findById(id) : undefined;
    if (!subscriber) throw new NotFoundError('No such subscriber.');
    return subscriber;
  }

  async function fromToken(purpose: Purpose, token: string): Promise<Subscriber> {
    const id = tokens.verify(purpose, token, clock.now());
    const subscriber = id ? await subscribers.findById(id) : undefined;
    if (!subscriber) throw new InvalidLinkError(purpose);
    return subscriber;
  }

  return {
    tokens,
    ...createUnsubscribeRequests({ subscribers, settings, mail }),

    /** The unsubscribe page address for a subscriber, for the footer and headers of emails. */
    unsubscribeUrl: ({ subscriberId }: { subscriberId: string }) => unsubscribeUrl(subscriberId),

    /**
     * A subscription request from a public form. The answer is the same whether the address is new,
     * pending, active or gone: the form never tells who is subscribed.
     */
    async subscribe(input: { email?: unknown; website?: unknown; form: string; ip: string }): Promise<void> {
      const current = await settings.get();
      // The reader's form: the refusal in the newsletter's language, not the admin's wording.
      const parsed = emailField.safeParse(input.email);
      if (!parsed.success) {
        const refusal = wordsFor(current.locale).subscription.invalidEmail;
        throw new ValidationError(refusal, { email: refusal });
      }
      const email = parsed.data;
      await throttle(`subscribe:ip:${input.ip}`, SUBSCRIBE_LIMITS.perIp, current.locale);
      await throttle(`subscribe:address:${sha256(email)}`, SUBSCRIBE_LIMITS.perAddress, current.locale);
      // A filled honeypot is a bot: accept silently and do nothing.
      if (typeof input.website === 'string' && input.website.trim() !== '') return;
      const consent = {
        at: clock.now().toISOString(),
        ip: input.ip,
        form: input.form.slice(0, 40),
        text: wordsFor(current.locale).subscription.consent(current.newsletterName),
      };
      const subscriber = await db.transaction(async (tx) => {
        const { subscriber: found, created } = await subscribers.insertOrFind({ email, status: 'pending', source: 'form', consent }, tx);
        if (created) return found;
        if (found.status === 'active') return undefined;
        // Pending, unsubscribed or bounced: a new confirmation, with the new consent.
        return subscribers.update(found.id, { status: 'pending', consent }, tx);
      });
      if (subscriber) await sendConfirmation(subscriber);
    },

    /** The subscriber a confirmation link names (for the page with the confirm button). */
    async pendingFromToken({ token }: { token: string }): Promise<Subscriber> {
      return fromToken('confirm', token);
    },

    /**
     * Confirms by POST (mail scanners only follow GET links): active at once, welcome email sent.
     * A link used again changes nothing and says so.
     */
    async confirm({ token }: { token: string }): Promise<{ subscriber: Subscriber; alreadyConfirmed: boolean }> {
      const subscriber = await fromToken('confirm', token);
      if (subscriber.status === 'active') return { subscriber, alreadyConfirmed: true };
      const now = clock.now();
      const updated = await db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, unsubscribedAt: null, bouncedAt: null }, tx);
        await subscribers.recordEvent('subscribed', now, tx);
        return row!;
      });
      await sendWelcome(updated);
      return { subscriber: updated, alreadyConfirmed: false };
    },

    /** The subscriber an unsubscribe link names (for the page with the unsubscribe button). */
    async fromUnsubscribeToken({ token }: { token: string }): Promise<Subscriber> {
      return fromToken('unsubscribe', token);
    },

    /** One-click unsubscription (RFC 8058): effective at once, idempotent. */
    async unsubscribe({ token }: { token: string }): Promise<Subscriber> {
      const subscriber = await fromToken('unsubscribe', token);
      if (subscriber.status === 'unsubscribed') return subscriber;
      const now = clock.now();
      return db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'unsubscribed', unsubscribedAt: now }, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('unsubscribed', now, tx);
        return row!;
      });
    },

    /**
     * The token of the unsubscribed page's "subscribe again" button, while it may still be used:
     * for a day after the unsubscription. Undefined after that, or for anyone not unsubscribed.
     */
    undoToken({ subscriber }: { subscriber: Subscriber }): string | undefined {
      if (subscriber.status !== 'unsubscribed' || !subscriber.unsubscribedAt) return undefined;
      const expiresAt = new Date(subscriber.unsubscribedAt.getTime() + RESUBSCRIBE_WINDOW_MS);
      return expiresAt > clock.now() ? tokens.issue('resubscribe', subscriber.id, expiresAt) : undefined;
    },

    /**
     * Undoes an unsubscription with the button's token, shortly after it: the reader has just
     * proved the address, so no new confirmation is needed. A bounced or pending address is not
     * made active this way.
     */
    async resubscribe({ token }: { token: string }): Promise<Subscriber> {
      const subscriber = await fromToken('resubscribe', token);
      if (subscriber.status === 'active') return subscriber;
      if (subscriber.status !== 'unsubscribed') throw new InvalidLinkError('resubscribe');
      const now = clock.now();
      return db.transaction(async (tx) => {
        const row = await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, unsubscribedAt: null }, tx);
        await subscribers.recordEvent('subscribed', now, tx);
        return row!;
      });
    },

    /**
     * Records that an address does not exist (the receiving server said "no such user"): the
     * subscriber is bounced for good and leaves the audience; the anonymous history counts the
     * departure once. Nothing happens for a subscriber erased meanwhile or bounced already.
     */
    async recordBounce({ subscriberId }: { subscriberId: string }): Promise<void> {
      const now = clock.now();
      await db.transaction(async (tx) => {
        const subscriber = await subscribers.findById(subscriberId, tx);
        if (!subscriber || subscriber.status === 'bounced') return;
        await subscribers.update(subscriber.id, { status: 'bounced', bouncedAt: now }, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('bounced', now, tx);
      });
    },

    /** A page of readers, searched and filtered: their addresses are personal data, for owners only. */
    async list({ actor, ...input }: { actor: Actor; status?: unknown; q?: unknown; page?: unknown }) {
      authorize(actor, 'subscribers.manage');
      const { filter, error } = parseSubscriberFilter(input);
      if (error) throw error;
      const result = await subscribers.list({ status: filter.status, q: filter.q, limit: 50, offset: (filter.page - 1) * 50 });
      return { ...result, page: filter.page };
    },

    counts: () => subscribers.countsByStatus(),

    /** Adds a reader by hand (they asked in person): active at once, the consent says so. */
    async add({ actor, ...input }: { actor: Actor; email?: unknown }): Promise<Subscriber> {
      authorize(actor, 'subscribers.manage');
      const { email } = parseInput(z.object({ email: emailField }), input);
      const now = clock.now();
      return db.transaction(async (tx) => {
        const consent = { at: now.toISOString(), ip: null, form: 'admin', text: `Added by ${actor.name}` };
        const { subscriber, created } = await subscribers.insertOrFind({ email, status: 'active', source: 'admin', consent, confirmedAt: now }, tx);
        if (!created && subscriber.status === 'active')
          throw new ValidationError('This address is already subscribed.', { email: 'This address is already subscribed.' });
        const row = created
          ? subscriber
          : (await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, consent, unsubscribedAt: null, bouncedAt: null }, tx))!;
        await subscribers.recordEvent('subscribed', now, tx);
        return row;
      });
    },

    /** One reader for the admin: their row (source, consent record), their history and the editions sent to them. */
    async detail({ actor, id }: { actor: Actor; id: string }) {
      authorize(actor, 'subscribers.manage');
      const subscriber = await findForAdmin(id);
      const [history, deliveries] = await Promise.all([
        subscribers.history(subscriber.id, HISTORY_SIZE),
        subscribers.deliveriesOf(subscriber.id, HISTORY_SIZE),
      ]);
      return { subscriber, history, deliveries };
    },

    /** Sends a pending reader their confirmation link again, a few times an hour at most. */
    async resendConfirmation({ actor, id }: { actor: Actor; id: string }): Promise<Subscriber> {
      authorize(actor, 'subscribers.manage');
      const subscriber = await findForAdmin(id);
      if (subscriber.status !== 'pending') throw new ConflictError('Only a reader waiting for confirmation can be sent the link again.');
      await mail.throttle(
        `resend:${subscriber.id}`,
        RESEND_PER_HOUR,
        (minutes) => `The confirmation was sent again recently: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      );
      await sendConfirmation(subscriber, { by: actor.name });
      return subscriber;
    },

    /** Erases a subscriber and all their personal data; the anonymous counts keep their departure. */
    async erase({ actor, id }: { actor: Actor; id: string }): Promise<void> {
      authorize(actor, 'subscribers.manage');
      const subscriber = await findForAdmin(id);
      await db.transaction(async (tx) => {
        await subscribers.delete(subscriber.id, tx);
        if (subscriber.status === 'active') await subscribers.recordEvent('erased', clock.now(), tx);
      });
    },

    /** Every reader as CSV, with their consent records (time, IP, form). */
    async exportCsv({ actor }: { actor: Actor }): Promise<string> {
      authorize(actor, 'subscribers.manage');
      return subscribersCsv(await subscribers.all());
    },

    /** Keeps an uploaded file and reports what importing it would do; nothing is imported yet. */
    async previewImport({ actor, content, filename }: { actor: Actor; content: Buffer; filename: string }) {
      authorize(actor, 'subscribers.manage');
      const parsed = parseSubscriberCsv(content);
      const existing = await subscribers.existingEmails(parsed.rows.map((row) => row.email));
      const fresh = parsed.rows.filter((row) => !existing.has(row.email));
      const id = await subscribers.saveImport({ content, filename: filename.slice(0, 200), createdBy: actor.id });
      return {
        id,
        filename,
        format: parsed.format,
        active: fresh.filter((row) => row.confirmed).length,
        pending: fresh.filter((row) => !row.confirmed).length,
        existing: parsed.rows.filter((row) => existing.has(row.email)).map((row) => ({ line: row.line, value: row.email, reason: 'Already a subscriber.' })),
        repeated: parsed.repeated,
        invalid: parsed.invalid,
        sample: fresh.slice(0, 20),
      };
    },

    /**
     * Imports a previewed file in one transaction: all of it or nothing. Readers the file shows as
     * confirmed are active with their original date; the others wait as pending (no email is sent).
     */
    async runImport({ actor, id }: { actor: Actor; id: string }): Promise<{ active: number; pending: number }> {
      authorize(actor, 'subscribers.manage');
      const stored = z.uuid().safeParse(id).success ? await subscribers.findImport(id) : undefined;
      if (!stored) throw new NotFoundError('This import has expired or was already done: upload the file again.');
      const parsed = parseSubscriberCsv(stored.content);
      const now = clock.now();
      const rows = parsed.rows.map((row) => ({
        email: row.email,
        status: (row.confirmed ? 'active' : 'pending') as SubscriberStatus,
        source: `import:${parsed.format.toLowerCase()}`,
        consent: { at: (row.createdAt ?? now).toISOString(), ip: null, form: `import ${parsed.format}`, text: `Imported from ${stored.filename}` },
        confirmedAt: row.confirmed ? (row.createdAt ?? now) : null,
        createdAt: row.createdAt ?? now,
      }));
      return db.transaction(async (tx) => {
        const existing = await subscribers.existingEmails(
          rows.map((row) => row.email),
          tx,
        );
        const fresh = rows.filter((row) => !existing.has(row.email));
        await subscribers.insertMany(fresh, tx);
        const active = fresh.filter((row) => row.status === 'active');
        await subscribers.recordEvents(
          'subscribed',
          active.map((row) => row.createdAt),
          tx,
        );
        await subscribers.deleteImport(id, tx);
        return { active: active.length, pending: fresh.length - active.length };
      });
    },

    /** New and departed readers per month over the last `months`, with the running total. */
    async growth({ months = 12 }: { months?: number } = {}): Promise<Array<{ month: string; subscribed: number; left: number; total: number }>> {
      const { timeZone } = await settings.get();
      const now = clock.now();
      const keys: string[] = [];
      const cursor = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      for (let index = months - 1; index >= 0; index--) {
        const month = new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() - index, 1));
        keys.push(month.toISOString().slice(0, 7));
      }
      const [rows, start] = await Promise.all([subscribers.monthlyGrowth(months, timeZone), subscribers.netBefore(new Date(`${keys[0]}-01T00:00:00Z`))]);
      let total = start;
      return keys.map((month) => {
        const row = rows.find((candidate) => candidate.month === month);
        total += (row?.subscribed ?? 0) - (row?.left ?? 0);
        return { month, subscribed: row?.subscribed ?? 0, left: row?.left ?? 0, total };
      });
    },

    /** Every reader with their consent record, oldest first: what a whole-newsletter export holds. */
    async all({ actor }: { actor: Actor }): Promise<Subscriber[]> {
      authorize(actor, 'subscribers.manage');
      return subscribers.all();
    },

    /** Which of these addresses are readers already (lower-cased): what an import reports before bringing any in. */
    async existingEmails({ actor, emails }: { actor: Actor; emails: string[] }): Promise<Set<string>> {
      authorize(actor, 'subscribers.manage');
      return subscribers.existingEmails(emails.map((email) => email.toLowerCase()));
    },

    /**
     * Brings in the readers of a Veille export as they were there (status, dates, consent record),
     * those already here left alone, with the growth chart's anonymous counts. No email is sent.
     */
    async importExported({ actor, readers, source }: { actor: Actor; readers: ExportSubscriber[]; source: string }, tx?: DbOrTx): Promise<number> {
      authorize(actor, 'subscribers.manage');
      const now = clock.now();
      const write = async (tx: DbOrTx): Promise<number> => {
        const existing = await subscribers.existingEmails(
          readers.map((reader) => reader.email.toLowerCase()),
          tx,
        );
        const fresh = readers.filter((reader) => !existing.has(reader.email.toLowerCase()));
        const added = await subscribers.insertMany(
          fresh.map((reader) => ({
            email: reader.email.toLowerCase(),
            status: reader.status,
            source: reader.source || 'import',
            consent: reader.consent ?? { at: now.toISOString(), ip: null, form: 'import', text: `Imported from ${source}` },
            confirmedAt: reader.confirmedAt ? new Date(reader.confirmedAt) : null,
            createdAt: new Date(reader.createdAt),
            unsubscribedAt: reader.unsubscribedAt ? new Date(reader.unsubscribedAt) : null,
            bouncedAt: reader.bouncedAt ? new Date(reader.bouncedAt) : null,
          })),
          tx,
        );
        // Who joined, and when those who left did.
        await subscribers.recordEvents(
          'subscribed',
          fresh.filter((reader) => reader.status !== 'pending').map((reader) => new Date(reader.confirmedAt ?? reader.createdAt)),
          tx,
        );
        await subscribers.recordEvents(
          'unsubscribed',
          fresh.filter((reader) => reader.status === 'unsubscribed' && reader.unsubscribedAt).map((reader) => new Date(reader.unsubscribedAt!)),
          tx,
        );
        await subscribers.recordEvents(
          'bounced',
          fresh.filter((reader) => reader.status === 'bounced' && reader.bouncedAt).map((reader) => new Date(reader.bouncedAt!)),
          tx,
        );
        return added;
      };
      return tx ? write(tx) : db.transaction(write);
    },
  };
}

export type SubscribersService = ReturnType<typeof createSubscribersService>;
