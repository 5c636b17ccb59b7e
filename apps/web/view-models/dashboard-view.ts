import type { Services } from '../../bootstrap/services.ts';

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

/** Months the dashboard's chart covers. */
const CHART_MONTHS = 12;

/** What the dashboard shows: the newsletter, where its email goes, the readers' counts and their growth. */
export async function dashboardView(services: Pick<Services, 'settings' | 'subscribers' | 'mailer' | 'delivery'>) {
  const [settings, counts, growth, sends] = await Promise.all([
    services.settings.get(),
    services.subscribers.counts(),
    services.subscribers.growth({ months: CHART_MONTHS }),
    services.delivery.feedbackRates({ limit: 3 }),
  ]);
  return { settings, mailer: services.mailer.describe(), counts, chart: growthChart(growth), sends };
}
