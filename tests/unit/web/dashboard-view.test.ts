import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardView, growthChart, readersTrend } from '../../../apps/web/view-models/dashboard-view.ts';
import { daysLeft, draftAction } from '../../../apps/web/view-models/editions-view.ts';

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

test('the dashboard asks for twelve months of growth, says where email goes and what to do next', async () => {
  const asked: number[] = [];
  const work = { total: 7, noCommentary: 2, noCategory: 1, fetchFailed: 1, needsWork: 3 };
  const send = { sendId: 's', editionId: 'e1', status: 'done', total: 10, sent: 9, failed: 1, startedAt: new Date(), finishedAt: null };
  const view = await dashboardView({
    settings: { get: async () => ({ newsletterName: 'Veille', timeZone: 'UTC' }) } as never,
    subscribers: { counts: async () => ({ active: 3, pending: 1 }), growth: async ({ months }: { months: number }) => (asked.push(months), []) } as never,
    mailer: { describe: () => 'the outbox folder' } as never,
    links: { inboxWork: async () => work } as never,
    editions: {
      list: async () => [{ id: 'e1', period: '2026-11', status: 'published' }],
      currentPeriod: async () => '2026-12',
    } as never,
    delivery: { lastSend: async () => ({ ...send, edition: { period: '2026-11' } }), feedbackRates: async () => [] } as never,
    clicks: { lastSend: async () => ({ edition: { id: 'e1' }, totalClicks: 4 }) } as never,
    clock: { now: () => new Date('2026-12-30T10:00:00Z') } as never,
  });
  assert.deepEqual(asked, [12]);
  assert.equal(view.mailer, 'the outbox folder');
  assert.deepEqual(view.counts, { active: 3, pending: 1 });
  assert.equal(view.settings.newsletterName, 'Veille');
  assert.deepEqual(view.work, work);
  assert.equal(view.period.key, '2026-12');
  assert.equal(view.period.daysLeft, 2);
  assert.equal(view.period.edition, undefined);
  assert.deepEqual(view.action, { kind: 'create', period: '2026-12' });
  assert.equal(view.lastSend?.failed, 1);
  // The clicks counted on the links of that send's edition.
  assert.equal(view.lastSend?.clicks, 4);
  assert.deepEqual(view.sends, []);
});

test('the trend compares this month with where the total started', () => {
  const trend = readersTrend([
    { month: '2026-11', subscribed: 5, left: 0, total: 40 },
    { month: '2026-12', subscribed: 6, left: 2, total: 44 },
  ]);
  assert.deepEqual(trend, { subscribed: 6, left: 2, net: 4, previousNet: 5, percent: 10 });
  assert.equal(readersTrend([{ month: '2026-12', subscribed: 3, left: 0, total: 3 }]).percent, undefined);
  assert.equal(readersTrend([]).net, 0);
});

test('the draft action never offers a period that is already published', () => {
  assert.deepEqual(draftAction([{ period: '2026-12', status: 'published' }], '2026-12'), { kind: 'create', period: '2027-01' });
  assert.deepEqual(draftAction([{ period: '2026-12', status: 'draft' }], '2026-12'), { kind: 'continue', period: '2026-12' });
  assert.deepEqual(
    draftAction(
      [
        { period: '2026-12', status: 'scheduled' },
        { period: '2027-01', status: 'draft' },
      ],
      '2026-12',
    ),
    {
      kind: 'continue',
      period: '2027-01',
    },
  );
  assert.equal(
    draftAction(
      [
        { period: '2026-12', status: 'published' },
        { period: '2027-01', status: 'published' },
      ],
      '2026-12',
    ),
    undefined,
  );
});

test('days left count today and stop at zero', () => {
  assert.equal(daysLeft('2026-12', 'UTC', new Date('2026-12-31T23:00:00Z')), 1);
  assert.equal(daysLeft('2026-12', 'UTC', new Date('2026-12-01T00:00:00Z')), 31);
  assert.equal(daysLeft('2026-11', 'UTC', new Date('2026-12-02T00:00:00Z')), 0);
});
