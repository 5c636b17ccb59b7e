import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSmtpMailer } from '../../../apps/domain/mail/mailer.ts';
import { closeBrowser, startBrowserTest } from '../../helpers/browser.ts';
import { startSmtpSink, type Received } from '../../helpers/smtp-sink.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };
const READER = 'lectrice@example.org';
const TITLE = 'Web, Ops & Data - Juin 2024';
const LINKS = [
  { url: 'https://links.example/caddy-2-8', title: 'Caddy 2.8 : HTTP/3 et certificats', commentary: 'Le serveur web qui gère **HTTPS** tout seul.' },
  { url: 'https://links.example/postgresql-17', title: 'PostgreSQL 17 : les nouveautés', commentary: 'Un `VACUUM` plus économe en mémoire.' },
];

/** Waits for the first message that matches, as a reader refreshing their inbox does. */
async function waitForMail(received: Received[], matches: (message: Received) => boolean, what: string, timeoutMs = 15_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find(matches);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = received.map((message) => `${message.envelopeTo.join(', ')}: ${message.subject ?? ''}`);
      assert.fail(`no ${what} within ${timeoutMs} ms (received: ${seen.length > 0 ? seen.join(' | ') : 'nothing'})`);
    }
    await sleep(100);
  }
}

function header(message: Received, name: string): string | undefined {
  return message.headers.find((each) => each.key === name.toLowerCase())?.value;
}

test('a reader subscribes, confirms from the email, receives the edition and unsubscribes in one click', async (t) => {
  const sink = await startSmtpSink(t);
  const mailer = createSmtpMailer({ url: sink.url, from: 'News <news@veille.test>' });
  const { newPage, services, baseUrl } = await startBrowserTest(t, { worker: true, mailer });

  const owner = await services.accounts.setUpOwner(OWNER);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', newsletterName: 'Web, Ops & Data' } });
  const category = await services.categories.create({ name: 'Ops' });
  const ids: string[] = [];
  for (const link of LINKS) ids.push((await services.links.add({ actor: owner, input: { ...link, categoryId: category.id } })).link.id);
  await services.editions.put({ period: '2024-06', input: { title: TITLE, intro: 'Deux liens pour l’été.', sections: [{ category: 'Ops', links: ids }] } });
  await services.editions.publish({ period: '2024-06' });

  // A reader, not signed in, subscribes from the home page.
  const page = await newPage();
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  await page.getByLabel('Votre adresse email').first().fill(READER);
  await page.getByRole('button', { name: 'S’abonner' }).first().click();
  await page.getByRole('heading', { name: 'Vérifiez votre boîte mail' }).waitFor();
  assert.deepEqual(await services.subscribers.counts(), { pending: 1, active: 0, unsubscribed: 0, bounced: 0 });

  // The confirmation email carries a link to this site.
  const confirmation = await waitForMail(
    sink.received,
    (message) => message.envelopeTo.includes(READER) && /Confirmez votre abonnement/.test(message.subject ?? ''),
    'confirmation email',
  );
  assert.equal(confirmation.subject, 'Confirmez votre abonnement à Web, Ops & Data');
  assert.equal(confirmation.from?.address, 'news@veille.test');
  const confirmUrl = /https?:\/\/\S+/.exec(confirmation.text ?? '')?.[0];
  assert.ok(confirmUrl, 'the confirmation email has a link');
  assert.ok(confirmUrl.startsWith(`${baseUrl}/subscribe/confirm?token=`), confirmUrl);

  // Opening the link only shows a button: a mail scanner following it confirms nothing.
  await page.goto(confirmUrl);
  const confirmButton = page.getByRole('button', { name: 'Je confirme mon abonnement' });
  await confirmButton.waitFor();
  await page.getByText(READER).waitFor();
  assert.equal((await services.subscribers.counts()).active, 0, 'opening the link alone does not confirm');
  await confirmButton.click();
  await page.getByRole('heading', { name: 'Abonnement confirmé' }).waitFor();
  assert.deepEqual(await services.subscribers.counts(), { pending: 0, active: 1, unsubscribed: 0, bounced: 0 });

  const welcome = await waitForMail(
    sink.received,
    (message) => message.envelopeTo.includes(READER) && message.subject === 'Bienvenue dans Web, Ops & Data',
    'welcome email',
  );
  assert.match(header(welcome, 'List-Unsubscribe') ?? '', /^<https?:\/\/.+\/unsubscribe\?token=[^>]+>$/);

  // The edition goes out through the worker.
  await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  const edition = await waitForMail(sink.received, (message) => message.envelopeTo.includes(READER) && message.subject === TITLE, 'edition email');
  assert.deepEqual(edition.envelopeTo, [READER]);
  assert.equal(edition.from?.address, 'news@veille.test');
  // Each link goes through its counted address on the site, which leads to its page.
  const counted = [...new Set(edition.html?.match(new RegExp(`${baseUrl.replaceAll('.', '\\.')}/c/[^"\\s]+`, 'g')) ?? [])];
  for (const url of counted) assert.ok(edition.text?.includes(url), `the text part has ${url}`);
  const targets = await Promise.all(counted.map(async (url) => (await fetch(url, { method: 'HEAD', redirect: 'manual' })).headers.get('location')));
  assert.deepEqual(targets.sort(), LINKS.map((link) => link.url).sort());
  assert.equal(header(edition, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  const listUnsubscribe = header(edition, 'List-Unsubscribe') ?? '';
  const oneClickUrl = /<(https?:\/\/[^>]+)>/.exec(listUnsubscribe)?.[1];
  assert.ok(oneClickUrl, `List-Unsubscribe has a web address: ${listUnsubscribe}`);
  assert.ok(oneClickUrl.startsWith(`${baseUrl}/unsubscribe?token=`), oneClickUrl);
  const footerUrl = /<a class="unsubscribe" href="([^"]+)"/.exec(edition.html ?? '')?.[1]?.replaceAll('&amp;', '&');
  assert.ok(footerUrl, 'the footer has an unsubscribe link');
  assert.equal(footerUrl, oneClickUrl, 'the footer and the header point to the same page');
  // Exactly one copy, even with two jobs working the send.
  await sleep(500);
  assert.equal(sink.received.filter((message) => message.subject === TITLE).length, 1);

  // One-click unsubscription as a mail client does it: a POST with no cookie, answered 200 at once.
  const mailClient = await newPage();
  assert.deepEqual(await mailClient.context().cookies(), []);
  const response = await mailClient.request.post(oneClickUrl, { form: { 'List-Unsubscribe': 'One-Click' }, maxRedirects: 0 });
  assert.equal(response.status(), 200);
  assert.match(await response.text(), /Vous êtes désabonné/);
  assert.deepEqual(await services.subscribers.counts(), { pending: 0, active: 0, unsubscribed: 1, bounced: 0 });

  // The footer link, opened afterwards, says so and offers the way back.
  await page.goto(footerUrl);
  await page.getByRole('heading', { name: 'Vous êtes désabonné' }).waitFor();
  const resubscribe = page.getByRole('button', { name: 'Me réabonner' });
  await resubscribe.waitFor();
  assert.equal((await services.subscribers.counts()).unsubscribed, 1);

  await resubscribe.click();
  await page.getByRole('heading', { name: 'Vous êtes de nouveau abonné' }).waitFor();
  assert.deepEqual(await services.subscribers.counts(), { pending: 0, active: 1, unsubscribed: 0, bounced: 0 });
});
