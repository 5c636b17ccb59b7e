import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

/** Collects what the browser reports as refused by the Content-Security-Policy, and failed loads. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${page.url()}: ${response.status()} ${response.url()}`);
  });
  return problems;
}

test('the admin pages and their htmx interactions raise no CSP violation, script error or failed load', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Time Series' });
  for (const [index, title] of ['A time series database', 'A column store', 'A queue'].entries()) {
    await services.links.add({ actor: owner!, input: { url: `https://example.org/${index}`, title, commentary: 'Fast.', categoryId: category.id } });
  }
  const draft = await services.editions.ensureDraft({ period: '2026-11' });
  await services.subscribers.add({ email: 'reader@example.org', actor: owner! });

  const page = await newPage();
  const problems = watchConsole(page);
  await signInPage(page, OWNER);
  const pages = [
    '/admin',
    '/admin/inbox',
    '/admin/categories',
    '/admin/editions',
    `/admin/editions/${draft.period}`,
    `/admin/editions/${draft.period}/previews`,
    `/admin/editions/${draft.period}/preflight`,
    '/admin/subscribers',
    '/admin/settings',
    '/admin/team',
    '/admin/account',
    '/admin/capture',
    '/admin/import',
    '/admin/export',
    '/admin/outbox',
  ];
  for (const path of pages) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
  }
  // htmx at work: a category created, the editor saving, the inbox search.
  await page.goto('/admin/categories');
  await page.getByLabel('New category').fill('Containers');
  await page.getByRole('button', { name: 'Add category' }).click();
  await page.getByText('Containers').first().waitFor();
  // Drag the new category above the first, then rename it: Sortable leaves inline styles behind and htmx settles the swap.
  const handles = page.locator('.category-row .drag-handle');
  const first = (await handles.nth(0).boundingBox())!;
  const second = (await handles.nth(1).boundingBox())!;
  await page.mouse.move(second.x + 4, second.y + 4);
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) await page.mouse.move(second.x + 4, second.y + 4 - ((second.y - first.y + 10) * step) / 10);
  await page.mouse.up();
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Rename' }).first().click();
  await page.waitForLoadState('networkidle');
  await page.goto(`/admin/editions/${draft.period}`);
  await page.getByRole('button', { name: 'Add all 3' }).click();
  await page.locator('#edition-sections .link-row').nth(2).waitFor();
  // A link dragged below another (Sortable animates it with inline styles), then one sent back:
  // htmx swaps the sections over rows that keep their ids.
  const rows = page.locator('#edition-sections .link-row .drag-handle');
  const from = (await rows.nth(0).boundingBox())!;
  const to = (await rows.nth(1).boundingBox())!;
  await page.mouse.move(from.x + 4, from.y + 4);
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) await page.mouse.move(from.x + 4, from.y + 4 + ((to.y - from.y + 12) * step) / 10);
  await page.mouse.up();
  await page.waitForLoadState('networkidle');
  await page
    .getByRole('button', { name: /^Back to the inbox/ })
    .first()
    .click();
  await page.locator('#edition-sections .link-row').nth(1).waitFor();
  await page.getByLabel('Intro').fill('Bonjour à toutes et à tous.');
  await page.getByText(/Saved/).first().waitFor();
  await page.goto('/admin/inbox');
  await page.getByRole('searchbox').fill('time');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(problems, []);
});
