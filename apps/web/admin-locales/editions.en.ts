// The words of the edition's screens in English: the editor, the publish screen, the previews, the
// stats and the delivery report. editions.fr.ts has the same shape.
import { percent, type AutoPauseCause } from '../../domain/delivery/send-health.ts';

const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);
const numbers = new Intl.NumberFormat('en-US');
const n = (value: number) => numbers.format(value);
const quoted = (titles: string[]) => titles.map((title) => `“${title}”`).join(', ');

/** The edition's screens in English; its type is the shape the French ones follow. */
export const editionsEn = {
  /** The section of the links without a category, as the admin names it (readers see the newsletter's own word). */
  noCategory: 'Miscellaneous',
  /** A clicks share as the stats write it, from "12.5". */
  percent: (value: string) => `${value}%`,
  /** A bounce or complaint rate as the delivery report writes it, from "6.2%". */
  rate: (value: string) => value,
  /** The colon between a date and its figure. */
  colon: ':',
  /** A check before publishing in these words, from its code; the service's English for a code not listed. */
  check: (check: CheckInput): string => checkSentence(editionsEn, check),
  editor: {
    back: 'Editions',
    publicPage: 'public page',
    stats: 'Stats',
    corrected: 'corrected',
    title: 'Title',
    slug: 'Slug',
    slugHint: (base: string) => `The end of the permalink: ${base}/…`,
    tags: 'Tags',
    tagsSuggested: (tags: string[]) => `Suggested from the links: ${tags.join(', ')}`,
    tagsHint: 'Comma separated',
    intro: 'Intro',
    markdown: '(Markdown)',
    blocks: 'Sections, in the order readers see them',
    blocksHint: '(Markdown; arrange them in the panel beside)',
    textHeading: 'Heading of the text section',
    textBody: 'Text',
    linkCount: (count: number) => `${n(count)} ${plural(count, 'link', 'links')}`,
    before: (name: string) => `Text before the links of “${name}”`,
    after: (name: string) => `Text after the links of “${name}”`,
    keepEmpty: (name: string) => `Show “${name}” to readers even without links`,
    outro: 'Closing words',
    outroHint: '(Markdown, after the last section)',
    save: 'Save',
    unsaved: 'Unsaved changes…',
    publish: 'Publish',
    previews: 'Preview web and email',
    exportMarkdown: 'Export Markdown',
    copySubstack: 'Copy for Substack',
    copied: 'Copied',
    emailPreview: 'Email preview',
    sendTest: (email: string) => `Send a test to me (${email})`,
    published: 'Published',
    correctionNote: 'Changes you save show on the public page at once, with a “corrected on” note.',
    email: 'Email',
    sentTo: (sent: number, total: number, failed: number) => `Sent to subscribers: ${n(sent)} of ${n(total)}${failed ? `, ${n(failed)} failed` : ''}.`,
    deliveryReport: 'Delivery report',
    sendConfirm: 'Send this edition to every active subscriber now?',
    send: 'Send to subscribers',
    unpublishConfirm: 'Take this edition off the public site?',
    unpublish: 'Unpublish',
    openPreflight: 'Publish…',
    preflightHint:
      'Shows the checks first (dead links, links without commentary, duplicates, empty sections, the email’s size, the readers), then lets you publish and send, publish on the web only, or schedule.',
    scheduledFor: 'Scheduled for',
    cancelSchedule: 'Cancel the schedule',
  },
  saveState: {
    saved: 'Saved at',
    notSaved: 'Not saved.',
    invalid: 'Not saved:',
    idle: 'All changes saved',
  },
  sections: {
    summary: (links: number, sections: number) =>
      `${n(links)} ${plural(links, 'link', 'links')} in ${n(sections)} ${plural(sections, 'section', 'sections')}. Drag sections (or use ↑ ↓, Alt+Arrow on a focused section) to reorder them, and links within and between sections.`,
    section: (title: string) => `Section ${title}`,
    text: 'text',
    emptyShown: 'empty: readers see its heading alone',
    emptyHidden: 'empty: not shown to readers',
    moveUp: (title: string) => `Move up: ${title}`,
    moveDown: (title: string) => `Move down: ${title}`,
    addTextAfter: (title: string) => `Add a text section after ${title}`,
    addTextAfterButton: '+ text after',
    remove: (title: string) => `Remove the section ${title}`,
    removeButton: 'Remove',
    twice: (others: string[]) => `Twice in this edition: also “${others.join('”, “')}”`,
    noCommentary: 'No commentary',
    edit: 'Edit',
    toInbox: (title: string) => `Back to the inbox: ${title}`,
    toInboxButton: 'To inbox',
    addText: '+ text section',
    addEmpty: 'Add an empty section',
    addSection: 'Add section',
    proposed: 'Proposed from the inbox',
    inboxEmpty: 'The inbox is empty.',
    withoutCategory: 'no category',
    withoutCommentary: 'no commentary',
    addSelected: 'Add the selected links',
    addAll: (count: number) => `Add all ${n(count)}`,
  },
  preflight: {
    title: (title: string) => `Publish: ${title}`,
    heading: (title: string) => `Publish “${title}”`,
    back: 'Back to the editor',
    deadLinks: 'Dead links',
    choice: 'Your choice',
    fixFirst: 'Fix the errors above in the editor first: nothing can be published or sent until then.',
    acknowledge: 'I have read the warnings',
    sendConfirm: (readers: number) => `Publish this edition and send it to ${n(readers)} ${plural(readers, 'reader', 'readers')} now?`,
    send: (readers: number) => `Publish and send to ${n(readers)} ${plural(readers, 'reader', 'readers')}`,
    webConfirm: 'Publish this edition on the web only? Nobody gets an email.',
    web: 'Publish on the web only',
    scheduleAt: (timeZone: string) => `Publish and send at (${timeZone})`,
    scheduleConfirm: 'Schedule this edition? It is published and sent at the time chosen.',
    schedule: 'Schedule',
    errors: 'Errors: publishing waits until they are fixed',
    warnings: 'Warnings: they do not block, have a look',
    infos: 'For your information',
  },
  /** The checks before publishing, by their code; the English of the service stands for a code not listed. */
  checks: {
    'empty-edition': () => 'This edition is empty: add links or a section before publishing it.',
    'links-unchecked': () => 'The links have not been checked yet.',
    'link-check-running': (check: CheckWords) => `Checking links… (${n(check.count)} of ${n(check.total)})`,
    'dead-link': (check: CheckWords) => `“${check.titles[0] ?? ''}” does not load: ${check.reason}`,
    'links-load': (check: CheckWords) => (check.count === 1 ? 'The link loads.' : `All ${n(check.count)} links load.`),
    'no-commentary': (check: CheckWords) =>
      `${n(check.titles.length)} ${plural(check.titles.length, 'link has', 'links have')} no commentary: ${quoted(check.titles.slice(0, 5))}${check.titles.length > 5 ? '…' : ''}`,
    'duplicate-link': (check: CheckWords) => `${check.url} is in the edition ${n(check.titles.length)} times: ${quoted(check.titles)}.`,
    'empty-section': (check: CheckWords) =>
      check.level === 'warning' ? `“${check.section}” has no links: readers see its heading alone.` : `“${check.section}” has no links: readers do not see it.`,
    'email-size': (check: CheckWords) =>
      check.level === 'warning'
        ? `The email weighs ${n(Math.round(check.count / 1024))} kB: Gmail clips messages over 102 kB.`
        : `The email weighs ${n(Math.round(check.count / 1024))} kB (Gmail clips over 102 kB).`,
    sent: () => 'This edition has been sent already: publishing changes shows on the web only.',
    audience: (check: CheckWords) => `${n(check.count)} active ${plural(check.count, 'subscriber', 'subscribers')} will receive it.`,
  } as Record<string, (check: CheckWords) => string>,
  previews: {
    title: (title: string) => `Preview of ${title}`,
    heading: 'Preview',
    web: 'Web page',
    webFrame: 'Web page preview',
    email: 'Email',
    emailFrame: 'Email preview',
    open: 'open',
  },
  stats: {
    title: (title: string) => `Stats of ${title}`,
    heading: 'Stats',
    clicks: 'Links readers followed',
    notSent: 'This edition has not been sent by email: its links have no clicks yet. Clicks count from the moment it is sent.',
    summaryClicks: (count: number) => `${plural(count, 'click', 'clicks')} on its links,`,
    summaryDelivered: (count: number) => `${plural(count, 'copy', 'copies')} delivered`,
    summaryShare: (share: string) => `(${share} of the delivered copies)`,
    sentAt: 'Sent',
    countingOff: 'Click counting is off in the',
    countingOffLink: 'settings',
    countingOffRest: ': emails sent now link the pages directly, and links of emails sent before still lead to their page without being counted.',
    noLinks: 'This edition has no links.',
    link: 'Link',
    section: 'Section',
    clicksColumn: 'Clicks',
    share: 'Of delivered copies',
    leftEdition: 'no longer in this edition',
    csv: 'Download as CSV',
    perDay: 'Clicks per day',
    privacy:
      'Clicks are counted per link and per hour, never per reader: no one’s address or identity is kept. Link previews, mail security scanners (which open every link of a message at once), HEAD requests and a second click on the same link within a minute are not counted. The share is clicks divided by delivered copies, so it may pass 100% when readers come back.',
    health: 'Links of the archive',
    healthy: 'No link of this edition failed its last check. Published editions’ links are checked again every week.',
    dead: 'Dead links',
    deadIntro: 'Their last two checks failed: the public page offers their archived copy. Give one a new address to replace it.',
    failing: 'Failing once',
    failingIntro: 'Their last check failed; they are checked again within a day before being called dead.',
    uncheckable: 'The link could not be checked.',
    failingSince: 'Failing since',
    archivedCopy: 'Archived copy',
    recentChecks: 'Recent checks',
    loaded: 'loaded',
    failed: 'failed',
    at: (url: string) => `(at ${url})`,
    newAddress: (title: string) => `New address for “${title}”`,
    replace: 'Replace the address',
  },
  delivery: {
    title: (title: string) => `Delivery of ${title}`,
    heading: 'Delivery',
    notSent: 'This edition has not been sent by email.',
    sent: (_count: number) => 'sent',
    failed: (count: number) => `${n(count)} failed`,
    skipped: (count: number) => `${n(count)} skipped`,
    remaining: (count: number, total: number) => `${n(count)} remaining of ${n(total)}`,
    rate: (perSecond: number) => `${perSecond.toFixed(1)} messages/s`,
    eta: (seconds: number) => `about ${seconds < 90 ? `${n(seconds)} s` : `${n(Math.ceil(seconds / 60))} min`} left`,
    feedback: (bounced: number, bounceRate: string, soft: number, complaints: number, complaintRate: string) =>
      `${n(bounced)} bounced (${bounceRate}) · ${n(soft)} soft ${plural(soft, 'bounce', 'bounces')} · ${n(complaints)} spam ${plural(complaints, 'complaint', 'complaints')} (${complaintRate})`,
    autoPause: (cause: AutoPauseCause) => {
      const of = `of the ${n(cause.messages)} messages ${cause.sinceResume ? 'sent since it was resumed' : 'sent so far'}`;
      return cause.kind === 'bounces'
        ? `Paused automatically: ${percent(cause.rate)} ${of} bounced (the limit is ${percent(cause.limit)}). An old or imported list often does this: check the bounced addresses in the report before resuming.`
        : `Paused automatically: ${percent(cause.rate)} ${of} were reported as spam (the limit is ${percent(cause.limit)}). Check that these readers asked for the newsletter before resuming.`;
    },
    progress: 'Delivery progress',
    pause: 'Pause',
    resume: 'Resume',
    retry: (count: number) => `Retry the ${n(count)} failed`,
    ownersOnly: 'The per-subscriber report names readers: owners see it here.',
    subscriber: 'Subscriber',
    status: 'Status',
    attempts: 'Attempts',
    sentAt: 'Sent',
    feedbackColumn: 'Feedback',
    smtp: 'SMTP answer',
    erased: '(erased)',
    statuses: { queued: 'queued', sending: 'sending', sent: 'sent', failed: 'failed', skipped: 'skipped' } as Record<string, string>,
    feedbacks: { bounce: 'bounced', soft_bounce: 'soft bounce', complaint: 'spam complaint' } as Record<string, string>,
  },
  flash: {
    saved: 'Edition saved.',
    linkSaved: 'Link saved.',
    published: (path: string) => `Published: ${path}`,
    publishedWeb: (path: string) => `Published: ${path} (on the web only: no email was sent).`,
    scheduled: 'Publication scheduled.',
    unpublished: 'The edition is a draft again: it left the public site.',
    checkingAgain: 'The links are being checked again.',
    testSent: (email: string) => `A test email was sent to ${email}.`,
    urlReplaced: 'The link has its new address; it is checked again in the next few minutes.',
    pause: 'Sending paused.',
    resume: 'Sending resumed.',
    retry: 'The failed messages are being sent again.',
  },
  /** The refusals of these screens' forms, by the service's codes; the English of the service stands for a code not listed. */
  errors: {
    fixFields: 'Please correct the highlighted fields.',
    /** By the error's own code. */
    messages: {
      'edition.changed': 'Someone else saved this edition meanwhile. Your text is kept below: copy what you need, then reload to see their changes.',
      'edition.schedule-missing': 'Give a date and a time, such as 2024-06-30 18:00.',
      'edition.schedule-past': 'This time is in the past: choose a later one, or publish now.',
      'edition.already-published': 'This edition is already published.',
      'edition.empty-publishing': 'This edition is empty: add links or a section before publishing it.',
      'edition.empty-scheduling': 'This edition is empty: add links or a section before scheduling it.',
      'edition.empty-sending': 'This edition is empty: add links or a section before sending it.',
      'preflight.empty-edition': 'This edition is empty: add links or a section before publishing it.',
      'preflight.unacknowledged': 'Tick “I have read the warnings” to go ahead: the warnings are listed above.',
      'delivery.not-published': 'Publish the edition before sending it.',
      'delivery.already-sent': 'This edition has already been sent (or is being sent).',
      'link.url-missing': 'Enter the new address of the link.',
    } as Record<string, string>,
    /** By field, then by the code of its message (zod's issue code, or the rule's own). */
    fields: {
      version: { any: 'The edition version is missing: reload the page.' },
      title: { required: 'The title is required.', too_long: 'The title is at most 300 characters.', any: 'The title is required.' },
      slug: {
        required: 'The slug is required.',
        too_long: 'The slug is at most 100 characters.',
        invalid_format: 'Use lower-case letters, digits and dashes only, e.g. juin-2024.',
        taken: 'Another edition uses this slug.',
      },
      tags: {
        too_many: 'At most 40 tags.',
        invalid_tag: 'Tags may contain letters, digits, dots, apostrophes and dashes, 40 characters at most.',
        any: 'Tags must be a list of words.',
      },
      intro: { too_long: 'The intro is at most 50,000 characters.' },
      outro: { too_long: 'The closing words are at most 50,000 characters.' },
      heading: { required: 'A text section needs a heading.', too_long: 'A heading is at most 200 characters.' },
      body: { too_long: 'A section is at most 50,000 characters.' },
      scheduledAt: { missing: 'Give a date and a time.', past: 'This time is in the past.' },
      acknowledged: { unacknowledged: 'Read the warnings, then tick this box.' },
      url: { missing: 'Enter the new address.' },
    } as Record<string, Record<string, string>>,
  },
};

/** A check before publishing as the service gives it (see apps/domain/delivery/preflight.ts). */
export type CheckInput = {
  level: string;
  code: string;
  message: string;
  links?: Array<{ title: string; url: string; reason?: string }>;
  section?: string;
  categoryId?: string | null;
  count?: number;
  total?: number;
};

/** A check's sentence from a dictionary's `checks`, the section of the links without a category named by its `noCategory`. */
export function checkSentence(words: Pick<EditionsWords, 'checks' | 'noCategory'>, check: CheckInput): string {
  const say = words.checks[check.code];
  if (!say) return check.message;
  const links = check.links ?? [];
  return say({
    level: check.level,
    count: check.count ?? 0,
    total: check.total ?? 0,
    titles: links.map((link) => link.title),
    url: links[0]?.url ?? '',
    reason: links[0]?.reason ?? '',
    section: check.categoryId === null ? words.noCategory : (check.section ?? ''),
  });
}

/** What a check's sentence is built from: the service's check, its links' titles, and the section named in the admin's language. */
export type CheckWords = { level: string; count: number; total: number; titles: string[]; url: string; reason: string; section: string };

/** The shape of the edition screens' words. */
export type EditionsWords = typeof editionsEn;
