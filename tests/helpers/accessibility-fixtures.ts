// A newsletter as it looks after a few months of use, for the accessibility sweep: the two reference
// editions published (code blocks, a quote, an image, many sections), one of them sent and its
// links followed, a draft, an inbox, categories, readers in every state, a second account, an
// invitation, a webhook, an edition import and a reader import waiting to be confirmed.
import type { TestApp } from './app.ts';
import { readSampleMarkdown } from './samples.ts';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { editionPath } from '../../apps/domain/editions/periods.ts';

export const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

/** The January 2018 sample with a quote and an image in its text section, as editors write them. */
function januaryWithQuoteAndImage(): string {
  return readSampleMarkdown('web-ops-data-janvier-2018').replace(
    'Source : Docker - history',
    '> Source : Docker - history, « la commande que personne ne lit ».\n\n![Les couches d’une image Docker](https://images.example/docker-layers.png)',
  );
}

/** Ids and tokens of the fixtures, to fill the routes' parameters and open the reader's pages. */
export type AccessibilityFixtures = Awaited<ReturnType<typeof createAccessibilityFixtures>>;

/** Fills the app with the newsletter described above; the admin stays in English. */
export async function createAccessibilityFixtures({ services, baseUrl }: TestApp & { baseUrl: string }) {
  const owner = await services.accounts.setUpOwner(OWNER);
  await services.settings.update({
    actor: OPERATOR,
    input: { newsletterName: 'Web, Ops & Data', senderName: 'Web, Ops & Data', senderEmail: 'news@veille.test', timeZone: 'Europe/Paris' },
  });
  const editor = await services.accounts.createUser({
    actor: OPERATOR,
    email: 'camille@example.org',
    name: 'Camille',
    password: OWNER.password,
    role: 'editor',
  });

  // An import report kept for review, then the two editions imported for good.
  const editionImport = await services.imports.prepare({
    actor: owner,
    source: { kind: 'upload', filename: 'juin-2024.md', bytes: Buffer.from(readSampleMarkdown('web-ops-iot-et-time-series-juin-2024')) },
  });
  for (const [filename, markdown] of [
    ['janvier-2018.md', januaryWithQuoteAndImage()],
    ['juin-2024.md', readSampleMarkdown('web-ops-iot-et-time-series-juin-2024')],
  ] as const) {
    const report = await services.imports.importNow({ actor: owner, source: { kind: 'upload', filename, bytes: Buffer.from(markdown) }, dryRun: false });
    if (report.problems.length > 0) throw new Error(`${filename}: ${report.problems.map((problem) => problem.reason).join('; ')}`);
  }
  const categories = await services.categories.list();
  const inbox = [];
  for (const [index, title] of ['A time series database', 'Kubernetes at the edge', 'Postgres 17 release notes', ''].entries()) {
    const { link } = await services.links.add({
      actor: owner,
      input: {
        url: `https://example.org/article-${index}`,
        title,
        commentary: 'A *good* read, with [a link](https://example.org/more).',
        tags: 'data, ops',
        categoryId: categories[index % 3]?.id,
      },
    });
    inbox.push(link);
  }
  const draft = await services.editions.ensureDraft({ period: '2026-11' });
  await services.editions.addLinks({ id: draft.period, linkIds: [inbox[0]!.id] });

  // Readers in every state.
  for (const email of ['ada@example.org', 'grace@example.org', 'leaving@example.org', 'bouncing@example.org'])
    await services.subscribers.add({ email, actor: OPERATOR });
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'home', ip: '127.0.0.1' });
  const byEmail = async (email: string) => (await services.subscribers.findByEmail({ email }))!;
  const pending = await byEmail('pending@example.org');
  const active = await byEmail('ada@example.org');
  const leaving = await byEmail('leaving@example.org');
  const unsubscribeToken = (id: string) => new URL(services.subscribers.unsubscribeUrl({ subscriberId: id })).searchParams.get('token')!;

  // The June 2024 edition sent, and two of its links followed.
  const sent = await services.editions.find({ period: '2024-06' });
  const send = await services.delivery.start({ period: sent.period, actor: OPERATOR });
  await services.delivery.run({ sendId: send.id });
  await services.subscribers.unsubscribe({ token: unsubscribeToken(leaving.id) });
  await services.subscribers.recordBounce({ subscriberId: (await byEmail('bouncing@example.org')).id });
  const document = await services.editions.document({ edition: sent });
  const linkHref = (await services.clicks.linkHref({ edition: sent }))!;
  const followed = document.blocks.flatMap((block) => (block.kind === 'category' ? block.links : [])).slice(0, 2);
  for (const link of followed) {
    const href = linkHref(link as Parameters<typeof linkHref>[0]).replace(/^https?:\/\/[^/]+/, baseUrl);
    await fetch(href, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36' } });
  }

  const invitation = await services.accounts.invite({ actor: owner, email: 'new@example.org', role: 'editor' });
  const [invitationRow] = await services.accounts.listPendingInvitations({ actor: OPERATOR });
  const webhook = await services.webhooks.create({ actor: owner, url: 'https://hooks.example.org/veille', events: ['edition.sent'] });
  const subscriberImport = await services.subscribers.previewImport({
    content: Buffer.from('email,name\nimported@example.org,Imported\nada@example.org,Ada\nnot-an-address,Broken\n'),
    filename: 'readers.csv',
    actor: owner,
  });
  const outbox = await services.outbox.list({ actor: OPERATOR });
  const january = await services.editions.find({ period: '2018-01' });
  return {
    owner,
    editor,
    draft,
    sent,
    inbox,
    categories,
    webhook,
    outbox,
    editionImport,
    subscriberImport,
    invitationRow: invitationRow!,
    invitationToken: new URL(invitation.link).pathname.split('/').pop()!,
    confirmToken: services.subscribers.tokens.issue('confirm', pending.id),
    activeToken: unsubscribeToken(active.id),
    leavingToken: unsubscribeToken(leaving.id),
    active,
    pending,
    /** The edition page with a code block, a quote and an image. */
    codeEditionPath: editionPath(january),
    sentEditionPath: editionPath(sent),
  };
}
