// The inbox as an editor uses it every day: short with the default categories, edited in place,
// driven from the keyboard, and the capture popup that knows a link already saved.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help}\n  ${violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n  ')}`,
    );
}

async function startInbox(t: Parameters<typeof startBrowserTest>[0]) {
  const browser = await startBrowserTest(t);
  const { services } = browser;
  await services.accounts.setUpOwner(OWNER);
  const [owner] = await services.accounts.listUsers();
  await services.categories.createDefaults({ names: (await services.settings.get()).defaultCategories });
  const categories = await services.categories.list();
  const add = async (input: Record<string, unknown>) => (await services.links.add({ actor: owner!, input: input as never })).link;
  return { ...browser, owner: owner!, categories, add };
}

test('three links among the twelve default categories fit in 1,600 px; compact mode and the bulk bar', async (t) => {
  const { newPage, categories, add } = await startInbox(t);
  // The eleven default categories and "To sort": twelve groups.
  assert.equal(categories.length, 11);
  await add({ url: 'https://example.org/a/very/long/path?x=1', commentary: 'Une base **time series**.', categoryId: categories[3]!.id });
  await add({ url: 'https://htmx.org/essays/', title: 'htmx essays', commentary: '', categoryId: categories[9]!.id });
  await add({
    url: 'https://www.postgresql.org/docs/17/release-17.html',
    title: 'PostgreSQL 17 release notes',
    commentary: 'Les nouveautés, [en détail](https://example.org/detail).',
  });
  const page = await newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInPage(page, OWNER);
  await page.goto('/admin/inbox');

  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/inbox-default-categories.png`, fullPage: true });
  assert.ok(height <= 1600, `the inbox is ${height} px high`);
  t.diagnostic(`inbox of 3 links among 12 groups: ${height} px high at 1280x800`);
  // The empty categories are one line of chips.
  assert.equal(await page.locator('.empty-group').count(), 9);
  assert.equal(await page.locator('.link-title', { hasText: 'example.org/a/very/long/path' }).count(), 1, 'an untitled link reads as host and path');
  assert.deepEqual(await seriousViolations(page), []);

  // The bulk bar shows once a row is selected, with the count and "select all".
  const bar = page.locator('#bulk-form');
  assert.equal(await bar.isVisible(), false);
  await page.getByRole('checkbox', { name: 'Select htmx essays' }).check();
  await bar.getByText('1 selected').waitFor();
  await bar.getByLabel('Select all').check();
  await bar.getByText('3 selected').waitFor();
  await bar.getByLabel('Select all').uncheck();
  await bar.waitFor({ state: 'hidden' });

  // Compact mode: shorter, and remembered by the browser.
  await page.getByRole('button', { name: 'Compact' }).click();
  const compact = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(compact <= height, `compact ${compact} px, normal ${height} px`);
  t.diagnostic(`compact: ${compact} px`);
  await page.reload();
  assert.equal(await page.getByRole('button', { name: 'Compact' }).getAttribute('aria-pressed'), 'true');
  assert.ok(await page.evaluate(() => document.body.classList.contains('inbox-compact')));
});

test('fields edit where they stand, Enter on a row opens it, Alt+Down moves it, "?" lists the shortcuts', async (t) => {
  const { newPage, categories, add, services } = await startInbox(t);
  const data = categories.find((category) => category.name === 'Data')!;
  const first = await add({ url: 'https://example.org/1', title: 'First link', commentary: 'Un.', categoryId: data.id });
  const second = await add({ url: 'https://example.org/2', title: 'Second link', commentary: 'Deux.', categoryId: data.id });
  const page = await newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInPage(page, OWNER);
  await page.goto('/admin/inbox');

  // A click on the title edits the title only; Enter saves; the focus comes back to the row.
  await page.locator(`#link-${first.id} .link-title`).click();
  const title = page.locator(`#link-${first.id}`).getByLabel('Title', { exact: true });
  await title.waitFor();
  // The field is ready once the page has given it the focus (with the caret at its end).
  await page.waitForFunction((id) => document.activeElement?.id === `f-title-${id}`, first.id);
  assert.equal(await page.locator(`#link-${first.id} textarea`).count(), 0, 'only the title is open');
  await title.fill('First link, renamed');
  await title.press('Enter');
  await page.locator(`#link-${first.id} .link-title`, { hasText: 'First link, renamed' }).waitFor();
  await page.waitForFunction((id) => document.activeElement?.id === `link-${id}`, first.id);
  assert.equal((await services.links.get({ id: first.id })).title, 'First link, renamed');

  // Choosing a category saves it, and the row joins that category.
  await page.locator(`#link-${second.id} .link-meta .chip`).click();
  await page.locator(`#link-${second.id}`).getByLabel('Category').selectOption({ label: 'Web' });
  await page.locator(`.link-group:has(h2:text-is("Web")) #link-${second.id}`).waitFor();
  assert.equal((await services.links.get({ id: second.id })).categoryName, 'Web');
  await page.waitForFunction((id) => document.activeElement?.id === `link-${id}`, second.id);

  // The row moves back with the category chip, then Alt+Up/Down reorder within Data.
  await services.links.update({ id: second.id, input: { categoryId: data.id } });
  await page.reload();
  await page.locator(`#link-${first.id}`).focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#keyboard-announcer', { hasText: 'moved to position 2 of 2 in Data' }).waitFor();
  await page.waitForFunction((id) => document.activeElement?.id === `link-${id}`, first.id);
  const ordered = async () => (await services.links.inbox()).groups.find((group) => group.category?.id === data.id)!.links.map((link) => link.id);
  for (let attempt = 0; attempt < 50 && (await ordered())[0] !== second.id; attempt++) await page.waitForTimeout(100);
  assert.deepEqual(await ordered(), [second.id, first.id], 'the keyboard move is saved');

  // Drag handles are focusable buttons.
  await page.locator(`#link-${first.id} .drag-handle`).focus();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('drag-handle')), true);

  // Enter on a focused row opens it for editing.
  await page.locator(`#link-${second.id}`).focus();
  await page.keyboard.press('Enter');
  const form = page.locator(`#link-${second.id} .link-edit-form`);
  await form.getByLabel('URL').waitFor();
  // The title (with its hint) and the URL fields stand side by side, aligned.
  const [titleBox, urlBox] = [await form.getByLabel('Title', { exact: true }).boundingBox(), await form.getByLabel('URL').boundingBox()];
  assert.equal(Math.round(titleBox!.y), Math.round(urlBox!.y), 'the title and URL fields align');
  assert.equal(Math.round(titleBox!.height), Math.round(urlBox!.height));
  await page.keyboard.press('Escape');
  await page.locator(`#link-${second.id} .link-title`).waitFor();

  // "?" lists the shortcuts in a dialog; Escape closes it.
  await page.locator('h1').click();
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  await dialog.getByText('Alt').first().waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // Categories move the same way, from their handle.
  await page.goto('/admin/categories');
  const names = async () => (await services.categories.list()).map((category) => category.name);
  const before = await names();
  await page.getByRole('button', { name: `Move ${before[0]} (Alt+Up, Alt+Down)` }).focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#keyboard-announcer', { hasText: `${before[0]}: moved to position 2 of ${before.length} in Categories` }).waitFor();
  for (let attempt = 0; attempt < 50 && (await names())[0] === before[0]; attempt++) await page.waitForTimeout(100);
  assert.deepEqual((await names()).slice(0, 2), [before[1], before[0]], 'the keyboard move is saved');
  assert.deepEqual(await seriousViolations(page), []);
});

test('the capture popup offers to edit a link already saved, and quotes the selection', async (t) => {
  const { newPage, add, services } = await startInbox(t);
  const saved = await add({ url: 'https://example.org/keep', title: 'A link to keep', commentary: 'Utile.' });
  const page = await newPage();
  await signInPage(page, OWNER);

  // What the bookmarklet opens on a new page: the selection, two paragraphs, becomes a quotation.
  await page.goto(
    `/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/new')}&text=${encodeURIComponent('  First line.\n\n\nSecond one.  ')}`,
  );
  assert.equal(await page.getByLabel(/^Commentary/).inputValue(), '> First line.\n>\n> Second one.');
  await page.locator('#preview-new blockquote').waitFor();
  assert.equal(await page.getByRole('link', { name: /Open and edit/ }).count(), 0);

  // On a page already saved: open that link and add to it, rather than saving a second copy.
  await page.goto(`/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/keep?utm_source=x')}&text=${encodeURIComponent('A quote.')}`);
  await page.getByRole('button', { name: 'Save a second copy' }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await page.getByRole('link', { name: 'Open and edit “A link to keep”' }).click();
  await page.getByRole('heading', { name: 'Edit link' }).waitFor();
  await page.getByLabel(/^Commentary/).fill('Utile, et cité.');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Saved' }).waitFor();
  assert.equal((await services.links.get({ id: saved.id })).commentary, 'Utile, et cité.');
  assert.equal((await services.links.list({ status: 'inbox', limit: 10 })).links.length, 1, 'no second copy');
});
