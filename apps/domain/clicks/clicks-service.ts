// Counting the links readers follow from an edition's email, without knowing who: the email's
// links go through signed addresses that are the same for every reader, a click adds one to a
// counter of the edition, the link and the hour, and nothing else is written except, for one
// minute, a keyed hash of the client's address to tell a scanner's burst or a double click.
import type { Database } from '../../../db/client.ts';
import type { ClicksRepository } from '../../../db/repositories/clicks-repository.ts';
import type { LinkHref } from '../editions/edition-email.ts';
import { editionRef, type EditionRef, type EditionsService } from '../editions/editions-service.ts';
import type { SettingsService } from '../editions/settings-service.ts';
import { editionPath } from '../editions/periods.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError } from '../platform/errors.ts';
import { safeHref } from '../platform/html.ts';
import { hmac } from '../platform/tokens.ts';
import { createClickSigner, parseClickPart } from './click-links.ts';
import { hourOf, isScannerAgent, judgeClick, WINDOW_MS } from './click-filter.ts';
import { linkStats, linkStatsCsv, shareOf, topLinksCsv, type LinkStats, type TopLink } from './click-stats.ts';

/** How many links the "most followed" lists show by default. */
const TOP_LINKS = 20;

/** The clicks of one edition: per link, in total, per hour. */
export type EditionClicks = {
  edition: { id: string; period: string; title: string; status: string; path: string };
  /** Whether the emails sent from now on count clicks (the setting). */
  counting: boolean;
  /** When the edition's send started; null when it was never sent. */
  sentAt: Date | null;
  delivered: number;
  totalClicks: number;
  links: LinkStats[];
  hourly: Array<{ hour: Date; clicks: number }>;
};

type Deps = {
  db: Database;
  clicks: ClicksRepository;
  editions: Pick<EditionsService, 'find' | 'document'>;
  settings: Pick<SettingsService, 'get'>;
  clock: Clock;
  publicUrl: string;
  secret: string;
};

/** A request of a click address, as the route saw it. */
export type ClickRequest = { period: string; click: string; method: string; userAgent: string | undefined; ip: string };

/** Click addresses for the emails, their redirects and counting, and the stats they give. */
export function createClicksService(deps: Deps) {
  const { db, clicks, editions, settings, clock, publicUrl } = deps;
  const signer = createClickSigner(deps.secret);
  const visitorKey = hmac(deps.secret, 'veille:click-visitor');
  // The client's address never leaves this function: only its keyed hash with the edition is kept, for a minute.
  const visitorOf = (ip: string, editionId: string) => hmac(visitorKey, `${ip}|${editionId}`).slice(0, 22);

  /** Counts a click unless it is a repeat or part of a scanner's burst; whether it counted. */
  async function count(editionId: string, linkId: string, ip: string): Promise<boolean> {
    const now = clock.now();
    const visitor = visitorOf(ip, editionId);
    return db.transaction(async (tx) => {
      await clicks.lockVisitor(visitor, tx);
      await clicks.forget(new Date(now.getTime() - WINDOW_MS), tx);
      const [window, linksInEdition] = await Promise.all([clicks.window(visitor, tx), clicks.linksInEdition(editionId, tx)]);
      const verdict = judgeClick({ window, linkId, now, linksInEdition });
      if (verdict.kind === 'repeat') return false;
      if (verdict.kind === 'scanner') {
        for (const entry of verdict.uncount) await clicks.add({ editionId, linkId: entry.linkId, hour: entry.countedHour!, delta: -1 }, tx);
        await clicks.markScanner(visitor, tx);
        await clicks.remember({ visitor, linkId, at: now, countedHour: null, scanner: true }, tx);
        return false;
      }
      const hour = hourOf(now);
      await clicks.add({ editionId, linkId, hour, delta: 1 }, tx);
      await clicks.remember({ visitor, linkId, at: now, countedHour: hour, scanner: false }, tx);
      return true;
    });
  }

  async function editionClicks(ref: EditionRef): Promise<EditionClicks> {
    const edition = await editions.find(ref);
    const [doc, totals, delivered, hourly, current, sent] = await Promise.all([
      editions.document({ edition }),
      clicks.totals(edition.id),
      clicks.delivered(edition.id),
      clicks.hourly(edition.id),
      settings.get(),
      clicks.sentAt(edition.id),
    ]);
    const links = linkStats(doc, totals, delivered);
    return {
      edition: { id: edition.id, period: edition.period, title: edition.title, status: edition.status, path: editionPath(edition) },
      counting: current.clickCounting,
      sentAt: sent ?? null,
      delivered,
      totalClicks: links.reduce((sum, link) => sum + link.clicks, 0),
      links,
      hourly,
    };
  }

  async function topLinks(limit: number): Promise<TopLink[]> {
    return (await clicks.top(limit)).map((row) => ({
      linkId: row.linkId,
      title: row.title || row.url,
      url: row.url,
      period: row.period,
      editionTitle: row.editionTitle,
      clicks: row.clicks,
      delivered: row.delivered,
      share: shareOf(row.clicks, row.delivered),
    }));
  }

  return {
    /**
     * How the email of an edition links its links: their counted addresses, or undefined when the
     * newsletter does not count clicks (the email then links the pages themselves).
     */
    async linkHref({ edition }: { edition: { id: string; period: string } }): Promise<LinkHref | undefined> {
      if (!(await settings.get()).clickCounting) return undefined;
      return (link) => publicUrl + signer.path(edition, link.id);
    },

    /**
     * Where a click address leads, counting the click when it is a reader's: a GET (not HEAD) from
     * something that is not a known machine, on an edition that has been sent, while counting is
     * on, and neither a repeat within a minute nor part of a burst. An address that was not signed
     * here, or whose link is gone, is a NotFoundError: it never leads anywhere else.
     */
    async follow(request: ClickRequest): Promise<{ location: string; counted: boolean }> {
      const part = parseClickPart(request.click);
      const candidates = part ? await clicks.candidates(request.period, part.linkPrefix) : [];
      const target = part && candidates.find((candidate) => signer.verify(candidate.editionId, candidate.linkId, part.signature));
      const location = target ? safeHref(target.url) : undefined;
      if (!target || !location) throw new NotFoundError('This link does not exist.');
      const countable =
        request.method === 'GET' &&
        !isScannerAgent(request.userAgent) &&
        target.sentAt !== null &&
        target.sentAt.getTime() <= clock.now().getTime() &&
        (await settings.get()).clickCounting;
      const counted = countable ? await count(target.editionId, target.linkId, request.ip) : false;
      return { location, counted };
    },

    /** The clicks of an edition (by id or period): per link with its share of delivered copies, in total, per hour. */
    editionClicks: ({ edition }: { edition: string }) => editionClicks(editionRef(edition)),

    /** The CSV of an edition's clicks per link, and its file name. */
    async editionCsv({ edition }: { edition: string }): Promise<{ filename: string; csv: string }> {
      const stats = await editionClicks(editionRef(edition));
      return { filename: `clicks-${stats.edition.period}.csv`, csv: linkStatsCsv(stats.edition.period, stats.delivered, stats.links) };
    },

    /** The links followed most across editions. */
    topLinks: ({ limit = TOP_LINKS }: { limit?: number } = {}) => topLinks(limit),

    /** The CSV of the links followed most across editions. */
    async topLinksCsv({ limit = 1000 }: { limit?: number } = {}): Promise<{ filename: string; csv: string }> {
      return { filename: 'most-followed-links.csv', csv: topLinksCsv(await topLinks(limit)) };
    },

    /** The clicks of the last edition sent, for the dashboard: totals and its most followed links; undefined before any send. */
    async lastSend({ top = 3 }: { top?: number } = {}) {
      const last = await clicks.lastSentEdition();
      if (!last) return undefined;
      const stats = await editionClicks({ id: last.editionId });
      const followed = [...stats.links].filter((link) => link.clicks > 0).sort((a, b) => b.clicks - a.clicks);
      return {
        edition: stats.edition,
        sentAt: last.sentAt,
        delivered: stats.delivered,
        totalClicks: stats.totalClicks,
        share: shareOf(stats.totalClicks, stats.delivered),
        topLinks: followed.slice(0, top),
      };
    },

    /** Forgets the remembered clicks older than the window (a job every minute; each click forgets too). */
    forget: () => clicks.forget(new Date(clock.now().getTime() - WINDOW_MS)),
  };
}

export type ClicksService = ReturnType<typeof createClicksService>;
