// What an edition's stats page shows: the clicks of its email per link with their share of the
// delivered copies, the clicks per day after the send, and the links of the archive found dead or
// failing, with a form to give each a new URL.
import { z } from 'zod';
import type { Services } from '../../bootstrap/services.ts';
import { percent } from '../../domain/clicks/click-stats.ts';
import type { FailingLink } from '../../domain/links/link-health-service.ts';
import { safeHref } from '../../domain/platform/html.ts';

type StatsServices = Pick<Services, 'clicks' | 'linkHealth'>;

/** Days after the send the "per day" list covers. */
const DAYS_SHOWN = 14;

/** Route params naming a link of an edition. */
export const editionLinkParams = z.object({ period: z.string().max(10), linkId: z.string().max(100) });

/** Clicks per day (UTC) from the first hour that has any, at most DAYS_SHOWN days. */
function perDay(hourly: Array<{ hour: Date; clicks: number }>): Array<{ day: string; clicks: number }> {
  const days = new Map<string, number>();
  for (const bucket of hourly) {
    const day = bucket.hour.toISOString().slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + bucket.clicks);
  }
  return [...days].slice(0, DAYS_SHOWN).map(([day, clicks]) => ({ day, clicks }));
}

/** A failing link with the addresses the page links to, through the safe-URL check. */
function withHrefs(link: FailingLink) {
  return { ...link, href: safeHref(link.url), archivedCopyHref: safeHref(link.archivedCopy) };
}

/** Everything the stats page of `period` shows; a refused new URL comes back with what was typed beside its link. */
export async function editionStatsView(services: StatsServices, input: { period: string }) {
  const [stats, health] = await Promise.all([services.clicks.editionClicks({ edition: input.period }), services.linkHealth.report({ edition: input.period })]);
  const most = Math.max(1, ...stats.links.map((link) => link.clicks));
  return {
    stats,
    links: stats.links.map((link) => ({ ...link, href: safeHref(link.url), percent: percent(link.share), meter: link.clicks / most })),
    days: perDay(stats.hourly),
    totalPercent: percent(stats.delivered > 0 ? stats.totalClicks / stats.delivered : null),
    health: { dead: health.dead.map(withHrefs), failing: health.failing.map(withHrefs) },
    replaceValues: {} as Record<string, unknown>,
    replaceErrors: {} as Record<string, string>,
  };
}
