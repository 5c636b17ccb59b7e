// Keeping the archive alive: a job checks every link of every published edition again, a few at a
// time and gently with each site, through the same fetcher as the check before sending, and keeps
// every answer. A link whose last two checks at its URL failed is dead: the public page offers the
// Internet Archive's copy of it from the edition's date, and the editor can give it a new URL.
import type { Database } from '../../../db/client.ts';
import type { DueLink, HealthCheckRow, LinkHealthRepository, LinkHealthState } from '../../../db/repositories/link-health-repository.ts';
import { editionRef, type EditionsService } from '../editions/editions-service.ts';
import { editionDate } from '../editions/edition-markdown.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { checkUrl, type PageFetcher } from './link-check-service.ts';
import type { LinksService } from './links-service.ts';

/** How hard the job works; the defaults suit production. */
export type LinkHealthTuning = {
  /** Links checked per hour at most (0: the job checks nothing). */
  perHour: number;
  /** Runs per hour (the schedule's): each takes its share of perHour. */
  runsPerHour: number;
  /** A link that loaded is checked again after this long. */
  okAfterMs: number;
  /** A link that failed is checked again sooner, to confirm it is dead (or not). */
  failedAfterMs: number;
  /** Links of one host in one run at most. */
  perHost: number;
  /** Pause between two requests to the same host. */
  hostDelayMs: number;
  /** Hosts fetched at once. */
  concurrency: number;
  /** A link held this long by a run that never answered (its worker died) is free again. */
  claimTimeoutMs: number;
  /** Checks older than this are forgotten, except each link's last two. */
  keepHistoryMs: number;
};

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_TUNING: LinkHealthTuning = {
  perHour: 300,
  runsPerHour: 12,
  okAfterMs: 7 * DAY_MS,
  failedAfterMs: DAY_MS,
  perHost: 4,
  hostDelayMs: 2000,
  concurrency: 3,
  claimTimeoutMs: 30 * 60 * 1000,
  keepHistoryMs: 400 * DAY_MS,
};

/** A link whose last check failed: dead after two failures in a row, failing after one. */
export type FailingLink = {
  linkId: string;
  title: string;
  url: string;
  dead: boolean;
  reason: string | null;
  lastCheckedAt: Date | null;
  /** When the first of the two failed checks of a dead link ran. */
  deadSince: Date | null;
  archivedCopy: string;
  history: HealthCheckRow[];
};

/** The Internet Archive's snapshot of `url` nearest to the edition's date (YYYY-MM-DD); nothing is fetched. */
export function archivedCopyUrl(url: string, date: string): string {
  return `https://web.archive.org/web/${date.replaceAll('-', '')}/${url}`;
}

/** Dead: the last two checks at the link's current URL both failed. */
export function isDead(state: Pick<LinkHealthState, 'checks' | 'failures'>): boolean {
  return state.checks >= 2 && state.failures >= 2;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url;
  }
}

/** The links a run takes: in the order given, at most `perHost` of one host, `limit` in all. */
export function pickPerHost<T extends { url: string }>(due: T[], limit: number, perHost: number): T[] {
  const taken = new Map<string, number>();
  const picked: T[] = [];
  for (const link of due) {
    if (picked.length >= limit) break;
    const host = hostOf(link.url);
    const count = taken.get(host) ?? 0;
    if (count >= perHost) continue;
    taken.set(host, count + 1);
    picked.push(link);
  }
  return picked;
}

type Deps = {
  db: Database;
  linkHealth: LinkHealthRepository;
  editions: Pick<EditionsService, 'find' | 'document'>;
  links: Pick<LinksService, 'get' | 'update'>;
  clock: Clock;
  fetchPage: PageFetcher;
  tuning?: Partial<LinkHealthTuning>;
};

/** The archive's link health: the checking job, dead links per edition, their archived copies, new URLs. */
export function createLinkHealthService(deps: Deps) {
  const { db, linkHealth, editions, links, clock, fetchPage } = deps;
  const tuning: LinkHealthTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Chooses and holds the links of a run, one run at a time whatever the number of workers. */
  async function claim(limit: number): Promise<Array<DueLink & { checkId: number }>> {
    const now = clock.now().getTime();
    return db.transaction(async (tx) => {
      await linkHealth.lockClaims(tx);
      const due = await linkHealth.due(
        {
          okBefore: new Date(now - tuning.okAfterMs),
          failedBefore: new Date(now - tuning.failedAfterMs),
          claimedAfter: new Date(now - tuning.claimTimeoutMs),
          // More than needed: links of a host past its share leave room for others.
          limit: limit * 4,
        },
        tx,
      );
      const picked = pickPerHost(due, limit, tuning.perHost);
      const ids = await linkHealth.claim(picked, new Date(now), tx);
      return picked.map((link, index) => ({ ...link, checkId: ids[index]! }));
    });
  }

  /** Fetches each distinct URL once, hosts side by side, each host's URLs one after another with a pause. */
  async function checkAll(claimed: Array<DueLink & { checkId: number }>): Promise<void> {
    const byUrl = new Map<string, number[]>();
    for (const link of claimed) byUrl.set(link.url, [...(byUrl.get(link.url) ?? []), link.checkId]);
    const byHost = new Map<string, string[]>();
    for (const url of byUrl.keys()) byHost.set(hostOf(url), [...(byHost.get(hostOf(url)) ?? []), url]);
    const hosts = [...byHost.values()];
    let next = 0;
    const workers = Array.from({ length: Math.min(tuning.concurrency, hosts.length) }, async () => {
      while (next < hosts.length) {
        const urls = hosts[next++]!;
        for (const [index, url] of urls.entries()) {
          if (index > 0) await sleep(tuning.hostDelayMs);
          const outcome = await checkUrl(fetchPage, url);
          await linkHealth.record({ ids: byUrl.get(url)!, ...outcome, at: clock.now() });
        }
      }
    });
    await Promise.all(workers);
  }

  async function failing(editionId: string, date: string): Promise<FailingLink[]> {
    const states = await linkHealth.failingIn(editionId);
    const history = await linkHealth.history(
      states.map((state) => state.linkId),
      6,
    );
    return states.map((state) => ({
      linkId: state.linkId,
      title: state.title || state.url,
      url: state.url,
      dead: isDead(state),
      reason: state.lastReason,
      lastCheckedAt: state.lastCheckedAt,
      deadSince: isDead(state) ? state.previousCheckedAt : null,
      archivedCopy: archivedCopyUrl(state.url, date),
      history: history.filter((row) => row.linkId === state.linkId),
    }));
  }

  return {
    tuning,

    /**
     * One run of the job: takes its share of the hour's checks among the links due, checks them,
     * and marks changed the editions where a link died or came back (their pages show it). Several
     * workers may run it at once: each takes other links.
     */
    async run(): Promise<{ links: number; urls: number; died: number; revived: number }> {
      const limit = Math.ceil(tuning.perHour / Math.max(1, tuning.runsPerHour));
      if (limit <= 0) return { links: 0, urls: 0, died: 0, revived: 0 };
      const claimed = await claim(limit);
      if (claimed.length === 0) return { links: 0, urls: 0, died: 0, revived: 0 };
      const ids = [...new Set(claimed.map((link) => link.linkId))];
      const before = new Map((await linkHealth.statesOf(ids)).map((state) => [state.linkId, isDead(state)]));
      await checkAll(claimed);
      const after = await linkHealth.statesOf(ids);
      const changed = after.filter((state) => isDead(state) !== (before.get(state.linkId) ?? false));
      await linkHealth.touchEditions([...new Set(changed.map((state) => state.editionId))]);
      const died = changed.filter((state) => isDead(state)).length;
      return { links: claimed.length, urls: new Set(claimed.map((link) => link.url)).size, died, revived: changed.length - died };
    },

    /** The health of an edition's links (by id or period): those dead or failing, with their recent checks. */
    async report({ edition: idOrPeriod }: { edition: string }): Promise<{ dead: FailingLink[]; failing: FailingLink[] }> {
      const edition = await editions.find(editionRef(idOrPeriod));
      const all = await failing(edition.id, editionDate(edition));
      return { dead: all.filter((link) => link.dead), failing: all.filter((link) => !link.dead) };
    },

    /** The archived copy of each dead link of an edition, by link id: what its public page offers. */
    async archivedCopies({ edition }: { edition: { id: string; period: string; publishedAt: Date | null } }): Promise<Map<string, string>> {
      const date = editionDate(edition);
      const states = await linkHealth.failingIn(edition.id);
      return new Map(states.filter(isDead).map((state) => [state.linkId, archivedCopyUrl(state.url, date)]));
    },

    /** How many dead links each published edition has, by edition id (editions without any are left out). */
    async deadCounts(): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      for (const state of (await linkHealth.failingPublished()).filter(isDead)) counts.set(state.editionId, (counts.get(state.editionId) ?? 0) + 1);
      return counts;
    },

    /**
     * Gives a link of an edition a new URL (a dead one, typically): its history starts again at
     * that URL, so it is no longer dead, and its title is kept as it is.
     */
    async replaceUrl({ edition: idOrPeriod, linkId, url }: { edition: string; linkId: string; url: unknown }) {
      const edition = await editions.find(editionRef(idOrPeriod));
      if (typeof url !== 'string' || url.trim() === '')
        throw new ValidationError(
          'Enter the new address of the link.',
          { url: 'Enter the new address.' },
          { code: 'link.url-missing', fieldCodes: { url: 'missing' } },
        );
      const link = await links.get({ id: linkId });
      if (link.editionId !== edition.id) throw new NotFoundError('This link is not in this edition.');
      // The title stays: a metadata fetch of the new page must not rename a published link.
      return links.update({ id: link.id, input: { url, ...(link.title ? { title: link.title } : {}) } });
    },

    /** Forgets old checks (each link keeps its last two); run by the maintenance job. */
    purgeHistory: () => linkHealth.purge(new Date(clock.now().getTime() - tuning.keepHistoryMs)),
  };
}

export type LinkHealthService = ReturnType<typeof createLinkHealthService>;
