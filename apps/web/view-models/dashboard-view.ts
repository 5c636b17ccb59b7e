// The dashboard: what to do next. The inbox and the links that still need work, the edition of the
// period and the days left to finish it, how the last send went, the readers and their trend.
import type { Services } from '../../bootstrap/services.ts';
import { daysLeft, draftAction } from './editions-view.ts';

type GrowthRow = { month: string; subscribed: number; left: number; total: number };

/** The dashboard's growth chart as SVG geometry: bars for new and departed readers, a line for the total. */
export function growthChart(rows: GrowthRow[]) {
  const width = 600;
  const height = 160;
  const barArea = width / Math.max(rows.length, 1);
  const maxBar = Math.max(1, ...rows.map((row) => Math.max(row.subscribed, row.left)));
  const maxTotal = Math.max(1, ...rows.map((row) => row.total));
  const y = (value: number, max: number) => height - (value / max) * (height - 10);
  return {
    width,
    height,
    rows: rows.map((row, index) => ({
      ...row,
      x: index * barArea + barArea * 0.15,
      barWidth: barArea * 0.32,
      subscribedY: y(row.subscribed, maxBar),
      leftY: y(row.left, maxBar),
    })),
    line: rows.map((row, index) => `${(index * barArea + barArea / 2).toFixed(1)},${y(row.total, maxTotal).toFixed(1)}`).join(' '),
  };
}

/** This month's readers against last month's: who joined, who left, and the change of the total. */
export function readersTrend(rows: GrowthRow[]) {
  const current = rows.at(-1) ?? { month: '', subscribed: 0, left: 0, total: 0 };
  const previous = rows.at(-2);
  const net = current.subscribed - current.left;
  const before = previous?.total ?? current.total - net;
  return {
    subscribed: current.subscribed,
    left: current.left,
    net,
    previousNet: previous ? previous.subscribed - previous.left : 0,
    // The total's change this month, as a share of where it started: undefined from zero readers.
    percent: before > 0 ? Math.round((net / before) * 1000) / 10 : undefined,
  };
}

/** Months the dashboard's chart covers. */
const CHART_MONTHS = 12;

type DashboardServices = Pick<Services, 'settings' | 'subscribers' | 'mailer' | 'links' | 'editions' | 'delivery' | 'clicks' | 'clock'>;

/** What the dashboard shows; `clicks` of the last send is null when none of its links were counted. */
export async function dashboardView(services: DashboardServices) {
  const [settings, counts, growth, work, list, current, lastSend, sends, clicked] = await Promise.all([
    services.settings.get(),
    services.subscribers.counts(),
    services.subscribers.growth({ months: CHART_MONTHS }),
    services.links.inboxWork(),
    services.editions.list(),
    services.editions.currentPeriod(),
    services.delivery.lastSend(),
    services.delivery.feedbackRates({ limit: 3 }),
    services.clicks.lastSend(),
  ]);
  const edition = list.find((row) => row.period === current);
  return {
    settings,
    mailer: services.mailer.describe(),
    counts,
    trend: readersTrend(growth),
    chart: growthChart(growth),
    work,
    period: { key: current, daysLeft: daysLeft(current, settings.timeZone, services.clock.now()), edition },
    action: draftAction(list, current),
    lastSend: lastSend && { ...lastSend, clicks: clicked && clicked.edition.id === lastSend.editionId ? clicked.totalClicks : null },
    sends,
  };
}
