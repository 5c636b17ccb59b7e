import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { newsletterSender } from '../../../apps/domain/mail/sender.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';

type Parsed = Awaited<ReturnType<typeof PostalMime.parse>>;

/** The outbox's messages to `to` whose subject matches, once there are `count` of them. */
async function messagesTo(outboxDir: string, to: string, subject: RegExp, count = 1): Promise<Parsed[]> {
  return until(`${count} message(s) "${subject.source}" to ${to}`, async () => {
    const files = (await readdir(outboxDir).catch(() => [] as string[])).sort();
    const parsed = await Promise.all(files.map(async (file) => PostalMime.parse(await readFile(path.join(outboxDir, file)))));
    const found = parsed.filter((message) => message.to?.some((address) => address.address === to) && subject.test(message.subject ?? ''));
    return found.length >= count && found;
  });
}

test('the sender is the settings’ name and address, or else the newsletter’s name with that address', () => {
  assert.equal(newsletterSender({ newsletterName: 'Web, Ops & Data', senderName: '', senderEmail: '' }), undefined, 'no address: the server’s MAIL_FROM sends');
  assert.deepEqual(newsletterSender({ newsletterName: 'Web, Ops & Data', senderName: '', senderEmail: 'news@veille.test' }), {
    name: 'Web, Ops & Data',
    address: 'news@veille.test',
  });
  assert.deepEqual(newsletterSender({ newsletterName: 'Web, Ops & Data', senderName: 'Nicolas', senderEmail: 'news@veille.test' }), {
    name: 'Nicolas',
    address: 'news@veille.test',
  });
});

test('the edition, the confirmation and the welcome come from one sender: the settings’ one, or MAIL_FROM without it', async (t) => {
  const testApp = await buildTestApp(t, { worker: true, env: { MAIL_FROM: 'Veille server <server@veille.test>' } });
  const { services, outboxDir } = testApp;
  await services.settings.update({
    actor: OPERATOR,
    input: { newsletterName: 'Web, Ops & Data', senderName: 'La Veille', senderEmail: 'news@veille.test', locale: 'fr' },
  });
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.addLinks({
    id: draft.id,
    linkIds: [(await services.links.add({ actor: owner, input: { url: 'https://example.org/a', title: 'A', commentary: 'À lire.' } })).link.id],
  });
  await services.editions.publish({ id: draft.id });

  await services.subscribers.subscribe({ email: 'reader@example.org', form: 'test', ip: '127.0.0.1' });
  const [confirmation] = await messagesTo(outboxDir, 'reader@example.org', /^Confirmez/);
  const token = /token=([A-Za-z0-9._-]+)/.exec(confirmation!.text ?? '')![1]!;
  await services.subscribers.confirm({ token });
  const [welcome] = await messagesTo(outboxDir, 'reader@example.org', /^Bienvenue/);
  await services.delivery.start({ id: draft.id, actor: OPERATOR });
  const [edition] = await messagesTo(outboxDir, 'reader@example.org', new RegExp(`^${draft.title}$`));
  for (const [what, message] of [
    ['confirmation', confirmation],
    ['welcome', welcome],
    ['edition', edition],
  ] as const) {
    assert.deepEqual({ name: message!.from?.name, address: message!.from?.address }, { name: 'La Veille', address: 'news@veille.test' }, what);
  }

  // Without a sender address in the settings, every email comes from MAIL_FROM.
  await services.settings.update({ actor: OPERATOR, input: { senderName: '', senderEmail: '' } });
  await services.subscribers.subscribe({ email: 'other@example.org', form: 'test', ip: '127.0.0.1' });
  const [fallback] = await messagesTo(outboxDir, 'other@example.org', /^Confirmez/);
  await services.delivery.sendTest({ id: draft.id, to: 'owner@veille.test' });
  const [test] = await messagesTo(outboxDir, 'owner@veille.test', /^\[Test\]/);
  for (const [what, message] of [
    ['confirmation', fallback],
    ['test edition', test],
  ] as const) {
    assert.deepEqual({ name: message!.from?.name, address: message!.from?.address }, { name: 'Veille server', address: 'server@veille.test' }, what);
  }
});
