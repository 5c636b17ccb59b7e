import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoPauseReason, percent, sendRates } from '../../../apps/domain/delivery/send-health.ts';

const counts = (values: Partial<Parameters<typeof autoPauseReason>[0]>) => ({
  accepted: 0,
  refused: 0,
  bounces: 0,
  softBounces: 0,
  complaints: 0,
  pauseBaseline: null,
  ...values,
});

test('a send pauses itself past 5% bounces or 0.1% complaints, never before 1,000 messages', () => {
  assert.equal(autoPauseReason(counts({ accepted: 900, refused: 99 })), undefined, '999 messages: too early to judge');
  assert.match(autoPauseReason(counts({ accepted: 940, refused: 60 }))!, /^Paused automatically: 6% of the 1,000 messages sent so far bounced/);
  assert.equal(autoPauseReason(counts({ accepted: 950, refused: 50 })), undefined, 'exactly 5% does not pass the limit');
  assert.match(autoPauseReason(counts({ accepted: 990, refused: 10, bounces: 41 }))!, /5\.1% .* bounced/, 'later bounces count with the refusals');
  assert.match(autoPauseReason(counts({ accepted: 1000, complaints: 2 }))!, /0\.2% .* reported as spam/);
  assert.equal(autoPauseReason(counts({ accepted: 1000, complaints: 1 })), undefined, '0.1% exactly');
  assert.equal(autoPauseReason(counts({ accepted: 1000, softBounces: 500 })), undefined, 'soft bounces are not bounces');
});

test('after a resume, the rates are counted again from the counts of that moment', () => {
  const pauseBaseline = { accepted: 940, refused: 60, bounces: 0, complaints: 0 };
  assert.equal(autoPauseReason(counts({ accepted: 1500, refused: 80, pauseBaseline })), undefined, '580 messages since: too early');
  assert.equal(autoPauseReason(counts({ accepted: 1940, refused: 100, pauseBaseline })), undefined, '4% since the resume');
  assert.match(autoPauseReason(counts({ accepted: 1880, refused: 120, pauseBaseline }))!, /messages sent since it was resumed/);
});

test('rates and their percentages', () => {
  assert.deepEqual(sendRates(counts({})), { messages: 0, bounced: 0, softBounces: 0, complaints: 0, bounceRate: 0, complaintRate: 0 });
  assert.deepEqual([percent(0), percent(0.0015), percent(0.062), percent(0.25), percent(0.05), percent(0.001)], ['0%', '0.15%', '6.2%', '25%', '5%', '0.1%']);
});
