import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardView, growthChart } from '../../../apps/web/view-models/dashboard-view.ts';

test('the growth chart scales bars to the busiest month and the line to the largest total', () => {
  const chart = growthChart([
    { month: '2024-05', subscribed: 4, left: 1, total: 10 },
    { month: '2024-06', subscribed: 2, left: 0, total: 12 },
  ]);
  assert.equal(chart.rows.length, 2);
  // The busiest bar reaches 10 px under the top; none goes below the axis.
  assert.equal(chart.rows[0]!.subscribedY, 10);
  assert.equal(chart.rows[1]!.subscribedY, 85);
  assert.equal(chart.rows[1]!.leftY, chart.height);
  assert.ok(chart.rows[1]!.x > chart.rows[0]!.x);
  assert.equal(chart.line, '150.0,35.0 450.0,10.0');
});

test('an empty year draws flat, without dividing by zero', () => {
  const chart = growthChart([{ month: '2024-06', subscribed: 0, left: 0, total: 0 }]);
  assert.equal(chart.rows[0]!.subscribedY, chart.height);
  assert.doesNotMatch(chart.line, /NaN|Infinity/);
  assert.deepEqual(growthChart([]).rows, []);
});

test('the dashboard asks for twelve months of growth and says where email goes', async () => {
  const asked: number[] = [];
  const view = await dashboardView({
    settings: { get: async () => ({ newsletterName: 'Veille' }) } as never,
    subscribers: { counts: async () => ({ active: 3, pending: 1 }), growth: async ({ months }: { months: number }) => (asked.push(months), []) } as never,
    mailer: { describe: () => 'the outbox folder' } as never,
    delivery: { feedbackRates: async () => [] } as never,
  });
  assert.deepEqual(asked, [12]);
  assert.equal(view.mailer, 'the outbox folder');
  assert.deepEqual(view.counts, { active: 3, pending: 1 });
  assert.equal(view.settings.newsletterName, 'Veille');
});
