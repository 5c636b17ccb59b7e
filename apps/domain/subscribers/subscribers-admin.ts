// The owners' side of the readers: the list, adding one by hand, erasure, CSV import and export,
// the growth chart, and the readers of a whole-newsletter import. Part of the subscribers service
// (see subscribers-service.ts): the same repository, the same rules.
import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { Subscriber, SubscriberStatus, SubscribersRepository } from '../../../db/repositories/subscribers-repository.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import type { ExportSubscriber } from '../exports/export-format.ts';
import type { Clock } from '../platform/clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { emailField, parseInput } from '../platform/validation.ts';
import { subscribersCsv } from './subscriber-export.ts';
import type { SubscriberMail } from './subscriber-mail.ts';
import { parseSubscriberCsv } from './subscriber-import.ts';
import { parseSubscriberFilter, receivesEditions, suppressedMessage, SUPPRESSION_REASONS } from './subscriber-rules.ts';

type Deps = {
  db: Database;
  subscribers: SubscribersRepository;
  settings: SettingsService;
  clock: Clock;
  /** Tells the outgoing webhooks that a reader became active. */
  announceConfirmed: (subscriber: Subscriber, how: 'added') => Promise<void>;
  /** The subscription emails and their hourly limits. */
  mail: Pick<SubscriberMail, 'sendConfirmation' | 'throttle'>;
};

// How much of a reader's history their page shows, and how often an editor may resend their link.
const HISTORY_SIZE = 100;
const RESEND_PER_HOUR = 3;

/** The methods of the subscribers service that owners use: see the file's head. */
export function createSubscribersAdmin({ db, subscribers, settings, clock, announceConfirmed, mail }: Deps) {
  async function findForAdmin(id: string): Promise<Subscriber> {
    const subscriber = z.uuid().safeParse(id).success ? await subscribers.findById(id) : undefined;
    if (!subscriber) throw new NotFoundError('No such subscriber.');
    return subscriber;
  }

  return {
    /** A page of readers, searched and filtered: their addresses are personal data, for owners only. */
    async list({ actor, ...input }: { actor: Actor; status?: unknown; q?: unknown; page?: unknown }) {
      authorize(actor, 'subscribers.manage');
      const { filter, error } = parseSubscriberFilter(input);
      if (error) throw error;
      const result = await subscribers.list({ status: filter.status, q: filter.q, limit: 50, offset: (filter.page - 1) * 50 });
      return { ...result, page: filter.page };
    },

    counts: () => subscribers.countsByStatus(),

    /**
     * Adds a reader by hand (they asked in person): active at once, the consent says so. A
     * suppressed address (it bounced, or its reader reported spam) is refused: only a subscription
     * its reader confirms by email brings it back.
     */
    async add({ actor, ...input }: { actor: Actor; email?: unknown }): Promise<Subscriber> {
      authorize(actor, 'subscribers.manage');
      const { email } = parseInput(z.object({ email: emailField }), input);
      const suppression = await subscribers.suppressionOf(email);
      if (suppression) {
        const message = suppressedMessage(suppression);
        const code = { code: `suppressed_${suppression.reason}`, params: { date: suppression.createdAt.toISOString() } };
        throw new ValidationError(message, { email: message }, { ...code, fieldCodes: { email: code.code } });
      }
      const now = clock.now();
      const added = await db.transaction(async (tx) => {
        const consent = { at: now.toISOString(), ip: null, form: 'admin', text: `Added by ${actor.name}` };
        const { subscriber, created } = await subscribers.insertOrFind({ email, status: 'active', source: 'admin', consent, confirmedAt: now }, tx);
        if (!created && subscriber.status === 'active')
          throw new ValidationError(
            'This address is already subscribed.',
            { email: 'This address is already subscribed.' },
            { code: 'already_subscribed', fieldCodes: { email: 'already_subscribed' } },
          );
        const row = created
          ? subscriber
          : (await subscribers.update(subscriber.id, { status: 'active', confirmedAt: now, consent, unsubscribedAt: null, bouncedAt: null }, tx))!;
        await subscribers.recordEvent('subscribed', now, tx);
        return row;
      });
      await announceConfirmed(added, 'added');
      return added;
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
      await mail.sendConfirmation(subscriber, { by: actor.name });
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
      const emails = parsed.rows.map((row) => row.email);
      const [existing, suppressed] = await Promise.all([subscribers.existingEmails(emails), subscribers.suppressedEmails(emails)]);
      const fresh = parsed.rows.filter((row) => !existing.has(row.email) && !suppressed.has(row.email));
      const id = await subscribers.saveImport({ content, filename: filename.slice(0, 200), createdBy: actor.id });
      return {
        id,
        filename,
        format: parsed.format,
        active: fresh.filter((row) => row.confirmed).length,
        pending: fresh.filter((row) => !row.confirmed).length,
        existing: parsed.rows
          .filter((row) => existing.has(row.email))
          .map((row) => ({ line: row.line, value: row.email, reason: 'Already a subscriber.', code: 'existing' })),
        suppressed: parsed.rows
          .filter((row) => suppressed.has(row.email) && !existing.has(row.email))
          .map((row) => ({ line: row.line, value: row.email, reason: SUPPRESSION_REASONS[suppressed.get(row.email)!], code: suppressed.get(row.email)! })),
        repeated: parsed.repeated,
        invalid: parsed.invalid,
        sample: fresh.slice(0, 20),
      };
    },

    /**
     * Imports a previewed file in one transaction: all of it or nothing. Readers the file shows as
     * confirmed are active with their original date; the others wait as pending (no email is sent).
     * Readers already here are left as they are; suppressed addresses are left out.
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
        const emails = rows.map((row) => row.email);
        const [existing, suppressed] = await Promise.all([subscribers.existingEmails(emails, tx), subscribers.suppressedEmails(emails, tx)]);
        // A suppressed address is never brought back by a file: its reader confirms by email, or nothing.
        const fresh = rows.filter((row) => !existing.has(row.email) && !suppressed.has(row.email));
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
        const suppressed = await subscribers.suppressedEmails(
          readers.map((reader) => reader.email.toLowerCase()),
          tx,
        );
        // A suppressed address keeps its suppression: a reader the export shows as active arrives
        // as what suppressed them here.
        const fresh = readers
          .filter((reader) => !existing.has(reader.email.toLowerCase()))
          .map((reader) => {
            const reason = suppressed.get(reader.email.toLowerCase());
            if (!reason || (!receivesEditions(reader.status) && reader.status !== 'pending')) return reader;
            return reason === 'complaint'
              ? { ...reader, status: 'unsubscribed' as const, unsubscribedAt: reader.unsubscribedAt ?? now.toISOString() }
              : { ...reader, status: 'bounced' as const, bouncedAt: reader.bouncedAt ?? now.toISOString() };
          });
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
