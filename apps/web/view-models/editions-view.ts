// The editions list of the admin: every edition with its status, its send and its date, and the
// one action that makes the next edition (the dashboard offers the same).
import type { Services } from '../../bootstrap/services.ts';
import type { EditionRow } from '../../domain/editions/editions-service.ts';
import { editionPath, nextPeriod, periodStart } from '../../domain/editions/periods.ts';
import type { SendSummary } from '../../domain/delivery/delivery-service.ts';
import { percent } from '../../domain/clicks/click-stats.ts';
import { safeHref } from '../../domain/platform/html.ts';

const DAY_MS = 86_400_000;

// How many of the links followed most across editions the list shows.
const TOP_LINKS_SHOWN = 10;

/**
 * What making the next edition means now: opening the current period's draft (created if need
 * be), or, once the current one is scheduled or published, the next period's. Undefined when both
 * are out already.
 */
export type DraftAction = { kind: 'create' | 'continue'; period: string };

/** The draft to work on, from the editions there are and the period the newsletter is in. */
export function draftAction(list: Array<Pick<EditionRow, 'period' | 'status'>>, current: string): DraftAction | undefined {
  for (const period of [current, nextPeriod(current)]) {
    const edition = list.find((row) => row.period === period);
    if (!edition) return { kind: 'create', period };
    if (edition.status === 'draft') return { kind: 'continue', period };
  }
  return undefined;
}

/** Whole days left in a period, today included: 1 on its last day, 0 once it is over. */
export function daysLeft(period: string, timeZone: string, now: Date): number {
  const end = periodStart(nextPeriod(period), timeZone).getTime();
  return Math.max(0, Math.ceil((end - now.getTime()) / DAY_MS));
}

/** The editions page: each edition with its public path, its send and its dead links, the draft action, and the links followed most. */
export async function editionsView(services: Pick<Services, 'editions' | 'delivery' | 'clicks' | 'linkHealth'>) {
  const [list, current, sends, top, dead] = await Promise.all([
    services.editions.list(),
    services.editions.currentPeriod(),
    services.delivery.summaries(),
    services.clicks.topLinks({ limit: TOP_LINKS_SHOWN }),
    services.linkHealth.deadCounts(),
  ]);
  const sendOf = new Map<string, SendSummary>(sends.map((send) => [send.editionId, send]));
  return {
    editions: list.map((row) => ({ ...row, path: editionPath(row), send: sendOf.get(row.id), deadLinks: dead.get(row.id) ?? 0 })),
    currentPeriod: current,
    action: draftAction(list, current),
    topLinks: top.map((link) => ({ ...link, href: safeHref(link.url), percent: percent(link.share) })),
  };
}
