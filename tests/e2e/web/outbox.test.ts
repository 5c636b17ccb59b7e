import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { until } from '../../helpers/wait.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

test('the outbox shows a message’s HTML part as the reader sees it, sandboxed, and offers the .eml', async (t) => {
  const { newPage, services } = await startBrowserTest(t, { worker: true });
  await services.accounts.setUpOwner(OWNER);
  await services.settings.update({ actor: OPERATOR, input: { newsletterName: 'Veille' } });
  await services.subscribers.subscribe({ email: 'reader@example.org', form: 'home', ip: '127.0.0.1' });
  const entry = await until('the confirmation in the outbox', async () => (await services.outbox.list({ actor: OPERATOR }))[0]);

  const page = await newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await signInPage(page, OWNER);
  await page.goto(`/admin/outbox/${entry!.file}`);
  const frame = page.frameLocator('iframe.mail-html');
  // The confirmation's button, in the HTML part, styled as the reader's mail client shows it.
  const button = frame.getByRole('link', { name: 'Confirm my subscription' });
  await button.waitFor();
  assert.notEqual(await button.evaluate((link) => getComputedStyle(link).backgroundColor), 'rgba(0, 0, 0, 0)');
  // Sandboxed: no script runs in the frame.
  assert.equal(await page.locator('iframe.mail-html').getAttribute('sandbox'), '');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the .eml' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), entry!.file);
  assert.deepEqual(problems, []);
});
