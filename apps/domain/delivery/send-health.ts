// How a send is doing with the receiving side: its bounce and complaint rates, and when it pauses
// itself to protect the sender's reputation (providers such as SES put an account under review
// past 5% bounces or 0.1% complaints).
import type { Send } from '../../../db/repositories/sends-repository.ts';

/** The automatic pause: past these rates, once this many messages were handed over since the send started (or was last resumed). */
export const AUTO_PAUSE = { minMessages: 1000, bounceRate: 0.05, complaintRate: 0.001 };

export type SendCounts = Pick<Send, 'accepted' | 'refused' | 'bounces' | 'softBounces' | 'complaints'>;

/** A send's rates: bounces (refused by the SMTP server, or bounced for good later) per message handed over; complaints per message accepted. */
export function sendRates(counts: SendCounts) {
  const messages = counts.accepted + counts.refused;
  const bounced = counts.refused + counts.bounces;
  return {
    messages,
    bounced,
    softBounces: counts.softBounces,
    complaints: counts.complaints,
    bounceRate: messages > 0 ? bounced / messages : 0,
    complaintRate: counts.accepted > 0 ? counts.complaints / counts.accepted : 0,
  };
}

/** A send's rates with their percentages as people read them: the delivery page and the dashboard. */
export function sendRatesShown(counts: SendCounts) {
  const rates = sendRates(counts);
  return { ...rates, bounceRateText: percent(rates.bounceRate), complaintRateText: percent(rates.complaintRate) };
}

/** A rate as people read it: "6.2%", "0.15%". */
export function percent(rate: number): string {
  const value = rate * 100;
  const digits = value >= 10 || value === 0 ? 0 : value >= 1 ? 1 : 2;
  // "5%" rather than "5.0%", "0.1%" rather than "0.10%".
  return `${value
    .toFixed(digits)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')}%`;
}

/** Why a send pauses itself: the rate past its limit, over how many messages, counted since a resume or from the start. */
export type AutoPauseCause = { kind: 'bounces' | 'complaints'; rate: number; limit: number; messages: number; sinceResume: boolean };

/**
 * Why a send should pause itself now, or undefined. Counted from the baseline an editor's resume
 * left, so that resuming after a pause is not undone at once: the check starts again, over the
 * next AUTO_PAUSE.minMessages. Once paused, the same figures say why on the delivery page.
 */
export function autoPauseCause(send: SendCounts & Pick<Send, 'pauseBaseline'>): AutoPauseCause | undefined {
  const base = send.pauseBaseline ?? { accepted: 0, refused: 0, bounces: 0, complaints: 0 };
  const since = sendRates({
    accepted: send.accepted - base.accepted,
    refused: send.refused - base.refused,
    bounces: send.bounces - base.bounces,
    softBounces: 0,
    complaints: send.complaints - base.complaints,
  });
  if (since.messages < AUTO_PAUSE.minMessages) return undefined;
  const figures = { messages: since.messages, sinceResume: Boolean(send.pauseBaseline) };
  if (since.bounceRate > AUTO_PAUSE.bounceRate) return { kind: 'bounces', rate: since.bounceRate, limit: AUTO_PAUSE.bounceRate, ...figures };
  if (since.complaintRate > AUTO_PAUSE.complaintRate) return { kind: 'complaints', rate: since.complaintRate, limit: AUTO_PAUSE.complaintRate, ...figures };
  return undefined;
}

/** The sentence a send that pauses itself keeps as its reason (the delivery page words it in its editor's language from autoPauseCause). */
export function autoPauseReason(send: SendCounts & Pick<Send, 'pauseBaseline'>): string | undefined {
  const cause = autoPauseCause(send);
  if (!cause) return undefined;
  const of = `of the ${cause.messages.toLocaleString('en')} messages ${cause.sinceResume ? 'sent since it was resumed' : 'sent so far'}`;
  if (cause.kind === 'bounces')
    return `Paused automatically: ${percent(cause.rate)} ${of} bounced (the limit is ${percent(cause.limit)}). An old or imported list often does this: check the bounced addresses in the report before resuming.`;
  return `Paused automatically: ${percent(cause.rate)} ${of} were reported as spam (the limit is ${percent(cause.limit)}). Check that these readers asked for the newsletter before resuming.`;
}
