import { randomUUID } from 'node:crypto';
import type { Database } from '../../../db/client.ts';
import type { LinkCheckRow, LinkChecksRepository } from '../../../db/repositories/link-checks-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { everyLink } from '../editions/edition-blocks.ts';
import type { EditionDocument } from '../editions/edition-types.ts';
import { editionRef, type EditionsService } from '../editions/editions-service.ts';
import type { Queue } from '../platform/queue.ts';
import { MetadataFetchError } from './safe-fetch.ts';

/**
 * Loads a URL the way the link check needs: resolves when the page loads, rejects with a
 * MetadataFetchError saying why when it does not. Production passes the SSRF-safe fetcher.
 */
export type PageFetcher = (url: string) => Promise<unknown>;

/** One link that did not load, with what the editor needs to fix it. */
export type BrokenLink = { linkId: string; title: string; url: string; reason: string };

/** What the checks panel shows: nothing yet, a run in progress, or the outcome of the last run. */
export type LinkCheckState = {
  status: 'none' | 'running' | 'done';
  /** Links of the edition, nested ones included. */
  total: number;
  checked: number;
  loading: number;
  broken: BrokenLink[];
  startedAt: Date | null;
  /** When the last result of a finished run came in. */
  finishedAt: Date | null;
};

const DEFAULT_CONCURRENCY = 6;
// Results older than this are checked again when the pre-send screen opens: sites go down.
const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
// A thrown error that is not the fetcher's own: a bug, shown as such rather than as a dead site.
const UNEXPECTED_REASON = 'The link could not be checked (unexpected error).';

type Deps = {
  db: Database;
  linkChecks: LinkChecksRepository;
  editions: Pick<EditionsService, 'find' | 'document'>;
  queue: Pick<Queue, 'send'>;
  clock: Clock;
  fetchPage: PageFetcher;
  /** URLs fetched at once by one run. */
  concurrency?: number;
  maxAgeMs?: number;
};

/** Every link readers will get, nested ones included, in reading order. */
function linksOf(doc: EditionDocument): Array<{ linkId: string; url: string }> {
  return everyLink(doc).map((link) => ({ linkId: link.id, url: link.url }));
}

/** Whether a URL loads, through the fetcher, and why not: what the pre-send check and the archive's health checks record. */
export async function checkUrl(fetchPage: PageFetcher, url: string): Promise<{ ok: boolean; reason: string | null }> {
  try {
    await fetchPage(url);
    return { ok: true, reason: null };
  } catch (error) {
    return { ok: false, reason: error instanceof MetadataFetchError ? error.reason : UNEXPECTED_REASON };
  }
}

function summarize(rows: LinkCheckRow[]): LinkCheckState {
  if (rows.length === 0) return { status: 'none', total: 0, checked: 0, loading: 0, broken: [], startedAt: null, finishedAt: null };
  const checked = rows.filter((row) => row.checkedAt !== null);
  const running = checked.length < rows.length;
  const finishedAt = running ? null : new Date(Math.max(...checked.map((row) => row.checkedAt!.getTime())));
  return {
    status: running ? 'running' : 'done',
    total: rows.length,
    checked: checked.length,
    loading: checked.filter((row) => row.ok).length,
    broken: checked
      .filter((row) => row.ok === false)
      .map((row) => ({ linkId: row.linkId, title: row.title || row.url, url: row.url, reason: row.reason ?? UNEXPECTED_REASON })),
    startedAt: rows[0]!.startedAt,
    finishedAt,
  };
}

/** Checks before sending that every link of an edition still loads: a durable job, its progress and its results. */
export function createLinkCheckService(deps: Deps) {
  const { db, linkChecks, editions, queue, clock, fetchPage } = deps;
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_CONCURRENCY);
  const maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;

  /** Whether the stored run is recent and covers exactly these links at these URLs. */
  function isCurrent(rows: LinkCheckRow[], items: Array<{ linkId: string; url: string }>): boolean {
    if (rows.length === 0 || rows.length !== items.length) return false;
    if (clock.now().getTime() - rows[0]!.startedAt.getTime() > maxAgeMs) return false;
    const stored = new Set(rows.map((row) => `${row.linkId} ${row.url}`));
    return items.every((item) => stored.has(`${item.linkId} ${item.url}`));
  }

  async function startRun(editionId: string, items: Array<{ linkId: string; url: string }>): Promise<LinkCheckState> {
    const runId = randomUUID();
    await db.transaction((tx) => linkChecks.replaceRun({ editionId, runId, startedAt: clock.now(), links: items }, tx));
    if (items.length === 0) return { ...summarize([]), status: 'done' };
    await queue.send('links.check-edition', { runId }, { retryLimit: 2 });
    return summarize(await linkChecks.forEdition(editionId));
  }

  return {
    /** The state of the last check of an edition (by id or period): what the panel polls. */
    async status({ edition: idOrPeriod }: { edition: string }): Promise<LinkCheckState> {
      const edition = await editions.find(editionRef(idOrPeriod));
      return summarize(await linkChecks.forEdition(edition.id));
    },

    /**
     * The state of the edition's check, after starting a new one if there is none, if it is older
     * than the maximum age, or if the edition's links (or their URLs) changed since: what the
     * pre-send screen calls when it opens.
     */
    async ensure({ edition: idOrPeriod }: { edition: string }): Promise<LinkCheckState> {
      const edition = await editions.find(editionRef(idOrPeriod));
      const [doc, rows] = await Promise.all([editions.document({ edition }), linkChecks.forEdition(edition.id)]);
      const items = linksOf(doc);
      // Nothing to check; results about links the edition no longer has are dropped.
      if (items.length === 0) return rows.length > 0 ? startRun(edition.id, items) : { ...summarize([]), status: 'done' };
      if (isCurrent(rows, items)) return summarize(rows);
      return startRun(edition.id, items);
    },

    /** Checks every link of the edition again now (the "Check links again" button). */
    async start({ edition: idOrPeriod }: { edition: string }): Promise<LinkCheckState> {
      const edition = await editions.find(editionRef(idOrPeriod));
      return startRun(edition.id, linksOf(await editions.document({ edition })));
    },

    /**
     * Works a run (the job): each distinct URL is fetched once, a few at a time, and its result
     * recorded at once for every link with that URL. A run replaced meanwhile stops early; a job
     * retried after a crash carries on with the URLs that have no result yet.
     */
    async run({ runId }: { runId: string }): Promise<void> {
      const urls = await linkChecks.pendingUrls(runId);
      let next = 0;
      let superseded = false;
      const workers = Array.from({ length: Math.min(concurrency, urls.length) }, async () => {
        while (!superseded && next < urls.length) {
          const url = urls[next++]!;
          const outcome = await checkUrl(fetchPage, url);
          const recorded = await linkChecks.record({ runId, url, ...outcome, at: clock.now() });
          if (recorded === 0) superseded = true;
        }
      });
      await Promise.all(workers);
    },
  };
}

export type LinkCheckService = ReturnType<typeof createLinkCheckService>;
