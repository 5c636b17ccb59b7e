import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

// Ten pages of a small local site, the way links arrive during a month.
const ARTICLES = [
  'Les données de séries temporelles avec Warp 10',
  'Caddy 2.8 : HTTP/3 et certificats',
  'FastAPI et le pattern Repository',
  'Introduction à Polars',
  'PostgreSQL 17 : les nouveautés',
  'HTMX pour les développeurs Python',
  'Ruff : un linter Python très rapide',
  'Parquet et les lakehouses',
  'Queue de messages dans PostgreSQL',
  'Docker Compose en production',
];

async function startSite(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const server: Server = createServer((request, response) => {
    const index = Number(/^\/article\/(\d+)/.exec(request.url ?? '')?.[1]);
    const title = ARTICLES[index - 1];
    if (!title) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html lang="fr"><head><title>${title}</title><meta property="og:description" content="Article ${index} de la veille"></head><body>${title}</body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The link titles of one category's list, in the order shown. */
async function titlesIn(page: Page, listId: string): Promise<string[]> {
  return page.locator(`#${listId} > .link-row .link-title`).allInnerTexts();
}

/**
 * Drags a row by its handle towards the upper or lower part of another row with real mouse
 * moves, and lets go as soon as the row sits where it should, as a person watching the list does.
 */
async function drag(page: Page, from: string, to: string, position: 'above' | 'below'): Promise<void> {
  const handle = page.locator(`.link-row:has(.link-title:text-is("${from}")) .drag-handle`);
  const target = page.locator(`.link-row:has(.link-title:text-is("${to}"))`);
  const start = (await handle.boundingBox())!;
  const x = start.x + start.width / 2;
  let y = start.y + start.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y + 6, { steps: 3 });
  // A string, not a function: the page must not see the test's compiled helpers.
  const placed = () =>
    page.evaluate(`(() => {
      const rows = [...document.querySelectorAll('.link-row:not(.sortable-fallback)')];
      const titles = rows.map((row) => row.querySelector('.link-title')?.textContent?.trim());
      const moved = titles.indexOf(${JSON.stringify(from)});
      const other = titles.indexOf(${JSON.stringify(to)});
      const sameList = moved >= 0 && other >= 0 && rows[moved].parentElement === rows[other].parentElement;
      return sameList && moved === other + (${JSON.stringify(position)} === 'above' ? -1 : 1);
    })()`);
  for (let step = 0; step < 60 && !(await placed()); step++) {
    const box = (await target.boundingBox())!;
    const goal = box.y + box.height * (position === 'above' ? 0.25 : 0.75);
    y += Math.sign(goal - y) * Math.min(Math.abs(goal - y), 20);
    await page.mouse.move(x, y);
    await page.waitForTimeout(20);
  }
  await page.mouse.up();
}

test('an editor collects ten links, comments, files, reorders, searches and is warned of a duplicate', async (t) => {
  const site = await startSite(t);
  const { newPage, services } = await startBrowserTest(t, { worker: true, env: { FETCH_ALLOW_PRIVATE: 'true' } });
  await services.accounts.setUpOwner(OWNER);
  await services.categories.create({ name: 'Data' });
  await services.categories.create({ name: 'Ops' });
  const page = await newPage();
  await signInPage(page, OWNER);
  await page.goto('/admin/inbox');

  // Paste ten URLs: each row appears at once and its title arrives a moment later.
  // "n" jumps to the quick-add field from anywhere on the page.
  await page.locator('h1').click();
  await page.keyboard.press('n');
  for (let index = 1; index <= ARTICLES.length; index++) {
    await page.keyboard.insertText(`${site}/article/${index}`);
    await page.keyboard.press('Enter');
    // The field empties and keeps the focus for the next URL.
    await page.waitForFunction(() => {
      const field = document.getElementById('quick-add-url') as HTMLInputElement;
      return field.value === '' && document.activeElement === field;
    });
  }
  for (const title of ARTICLES) await page.locator('.link-title', { hasText: title }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#list-none > .link-row').count(), 10);
  // The counts refresh themselves after each change.
  await page.locator('#inbox-counts', { hasText: /^\s*10\s+links for the next edition/ }).waitFor();
  assert.match(
    ((await page.locator('#inbox-counts').textContent()) ?? '').replace(/\s+/g, ' ').trim(),
    /^10 links for the next edition · 10 need work · To sort 10/,
  );

  // Write a commentary inline: click, type, Enter saves.
  const first = page.locator('.link-row', { hasText: ARTICLES[0]! });
  await first.getByRole('button', { name: /No commentary yet/ }).click();
  await page.getByLabel(/^Commentary/).pressSequentially('Une base **time series** française, à suivre.', { delay: 5 });
  await page.locator('.markdown-preview strong', { hasText: 'time series' }).waitFor();
  await page.getByLabel(/^Commentary/).press('Enter');
  await page.locator('.link-row', { hasText: ARTICLES[0]! }).locator('.link-commentary strong', { hasText: 'time series' }).waitFor();

  // Escape cancels an edit without saving.
  await page.locator('.link-row', { hasText: ARTICLES[1]! }).locator('.link-title').click();
  await page.getByLabel('Title', { exact: true }).fill('Not saved');
  await page.keyboard.press('Escape');
  await page.locator('.link-row .link-title', { hasText: ARTICLES[1]! }).waitFor();
  assert.equal(await page.getByText('Not saved').count(), 0);

  // File four links into categories: a click on the category chip, a choice, and it is saved.
  const fileInto = async (title: string, category: string) => {
    await page.locator('.link-row', { hasText: title }).locator('.chip.missing').click();
    await page.locator('.link-edit-form').getByLabel('Category').selectOption({ label: category });
    await page.locator(`.link-group:has(h2:text-is("${category}")) .link-title`, { hasText: title }).waitFor();
    // Filed into an empty category, the list is drawn again: wait for that before the next step.
    await page.waitForFunction(() => !document.querySelector('.htmx-request, [data-reload-list] > .link-row'));
  };
  await fileInto(ARTICLES[0]!, 'Data');
  await fileInto(ARTICLES[3]!, 'Data');
  await fileInto(ARTICLES[7]!, 'Data');
  await fileInto(ARTICLES[1]!, 'Ops');
  const data = await services.categories.list();
  const dataId = data.find((category) => category.name === 'Data')!.id;
  const opsId = data.find((category) => category.name === 'Ops')!.id;
  assert.deepEqual(await titlesIn(page, `list-${dataId}`), [ARTICLES[0], ARTICLES[3], ARTICLES[7]]);

  // Reorder within Data, and move one link from Data to Ops, by dragging.
  const moved = () => page.waitForResponse((response) => response.url().endsWith('/move') && response.status() === 204);
  let saved = moved();
  await drag(page, ARTICLES[7]!, ARTICLES[0]!, 'above');
  await saved;
  saved = moved();
  await drag(page, ARTICLES[3]!, ARTICLES[1]!, 'above');
  await saved;
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/inbox.png`, fullPage: true });
  await page.reload();
  assert.deepEqual(await titlesIn(page, `list-${dataId}`), [ARTICLES[7], ARTICLES[0]], 'the new order survives a reload');
  assert.deepEqual(await titlesIn(page, `list-${opsId}`), [ARTICLES[3], ARTICLES[1]]);
  assert.equal(await page.locator('.link-row', { hasText: ARTICLES[3]! }).locator('.link-meta .chip').innerText(), 'Ops');
  // New links come first in "To sort", as they appeared when pasted.
  assert.deepEqual((await titlesIn(page, 'list-none')).slice(0, 2), [ARTICLES[9], ARTICLES[8]]);

  // Search without the accents ("/" focuses the search field).
  await page.locator('h1').click();
  await page.keyboard.press('/');
  await page.keyboard.insertText('donnees');
  await page.locator('.results .link-row').first().waitFor();
  assert.equal(await page.locator('.results .link-row').count(), 1);
  assert.match(await page.locator('.results .link-title').innerHTML(), /<mark>données<\/mark>/i);

  // Paste a URL already collected, with tracking parameters: a warning, and both can be kept.
  await page.goto('/admin/inbox');
  await page.locator('#quick-add-url').fill(`${site}/article/5?utm_source=newsletter&utm_medium=email`);
  await page.keyboard.press('Enter');
  const warning = page.locator('#quick-add-result .duplicate-warning');
  await warning.getByText('Already shared.').waitFor();
  await warning.getByRole('link', { name: 'in the inbox' }).waitFor();
  assert.equal((await services.links.list({ status: 'inbox', limit: 50 })).links.length, 11);
});

test('delete with undo, and the capture popup opened by the bookmarklet', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  const [owner] = await services.accounts.listUsers();
  await services.links.add({ actor: owner!, input: { url: 'https://example.org/keep', title: 'A link to keep', commentary: 'Utile.' } });
  const page = await newPage();
  await signInPage(page, OWNER);
  await page.goto('/admin/inbox');

  await page.getByRole('button', { name: 'Delete A link to keep' }).click();
  await page.getByText('Deleted “A link to keep”.').waitFor();
  assert.equal((await services.links.list({ status: 'inbox', limit: 10 })).links.length, 0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.locator('.link-title', { hasText: 'A link to keep' }).waitFor();
  assert.equal((await services.links.list({ status: 'inbox', limit: 10 })).links.length, 1);

  await page.goto('/admin/capture');
  const bookmarklet = await page.locator('[data-bookmarklet]').getAttribute('href');
  assert.match(bookmarklet ?? '', /^javascript:/);

  // What the bookmarklet opens, from another site's page: the form pre-filled, a duplicate flagged.
  const popup = await page.context().newPage();
  await popup.goto(
    `/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/keep?utm_campaign=x')}&title=${encodeURIComponent('Keep, again')}&text=${encodeURIComponent('Selected sentence.')}`,
  );
  await popup.getByText('Already shared.').waitFor();
  assert.equal(await popup.getByLabel('Title').inputValue(), 'Keep, again');
  assert.equal(await popup.getByLabel(/^Commentary/).inputValue(), '> Selected sentence.', 'the selection arrives as a quotation');
  await popup.getByRole('button', { name: 'Save a second copy' }).click();
  await popup.getByRole('heading', { name: 'Saved' }).waitFor();
  assert.equal((await services.links.list({ status: 'inbox', limit: 10 })).links.length, 2);
});
