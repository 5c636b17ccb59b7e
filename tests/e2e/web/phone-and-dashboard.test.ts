import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };
const PHONE = { width: 390, height: 844 };

test('on a 390 px phone the admin header is one row and the sections open from the menu button', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  await services.settings.update({ actor: (await services.accounts.listUsers())[0]!, input: { newsletterName: 'Web, Ops, IoT et Time Series' } });
  const page = await newPage();
  await page.setViewportSize(PHONE);
  await signInPage(page, OWNER);

  const header = page.locator('.admin-header');
  const parts = [header.locator('.brand'), header.locator('.nav-toggle summary'), header.locator('.admin-user summary')];
  const boxes = await Promise.all(parts.map(async (part) => (await part.boundingBox())!));
  const headerBox = (await header.boundingBox())!;
  // One row: every part of the header shares the same band, and the header is no taller than one.
  for (const box of boxes) {
    assert.ok(box.y >= headerBox.y && box.y + box.height <= headerBox.y + headerBox.height, JSON.stringify({ box, headerBox }));
    assert.ok(Math.abs(box.y + box.height / 2 - (boxes[0]!.y + boxes[0]!.height / 2)) < 8, 'the parts are on one line');
  }
  assert.ok(headerBox.height < 64, `header ${headerBox.height}px high`);
  assert.ok(headerBox.width <= PHONE.width);
  assert.equal(await page.getByRole('navigation', { name: 'Admin' }).isVisible(), false);

  await page.getByText('Menu', { exact: true }).click();
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await nav.waitFor();
  await nav.getByRole('link', { name: 'Editions' }).click();
  await page.waitForURL('**/admin/editions');
  // Escape folds the menu again.
  await page.getByText('Menu', { exact: true }).click();
  await page.keyboard.press('Escape');
  assert.equal(await nav.isVisible(), false);
});

test('the dashboard says what to do next, and its chart labels carry their year, legible on a phone', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  const [owner] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Databases' });
  await services.links.add({ actor: owner!, input: { url: 'https://example.org/a', title: 'Done', commentary: 'Fast.', categoryId: category.id } });
  await services.links.add({ actor: owner!, input: { url: 'https://example.org/b', title: 'No commentary', categoryId: category.id } });
  await services.links.add({ actor: owner!, input: { url: 'https://example.org/c', title: 'Nothing yet' } });

  const page = await newPage();
  await page.setViewportSize(PHONE);
  await signInPage(page, OWNER);
  const inbox = page.getByRole('region', { name: 'Inbox' });
  assert.match(await inbox.innerText(), /3\s+links in the inbox/);
  assert.match(await inbox.innerText(), /2 links without a commentary/);
  assert.match(await inbox.innerText(), /1 link without a category/);
  const period = await services.editions.currentPeriod();
  const edition = page.locator('section[aria-labelledby="dash-edition"]');
  assert.match(await edition.innerText(), /days? left in the period|Last day of the period/);
  assert.match(await page.locator('section[aria-labelledby="dash-send"]').innerText(), /No edition has been sent/);

  const labels = page.locator('.chart-labels li');
  assert.equal(await labels.count(), 12);
  const texts = await labels.allInnerTexts();
  assert.ok(
    texts.every((text) => /\b20\d\d\b/.test(text)),
    texts.join('|'),
  );
  // Legible: no smaller than 10 px, and no label runs into its neighbour.
  const sizes = await labels.evaluateAll((items) => items.map((item) => parseFloat(getComputedStyle(item).fontSize)));
  assert.ok(
    sizes.every((size) => size >= 10),
    sizes.join(','),
  );
  const boxes = await Promise.all((await labels.all()).map(async (label) => (await label.boundingBox())!));
  for (let index = 1; index < boxes.length; index++) assert.ok(boxes[index]!.x >= boxes[index - 1]!.x + boxes[index - 1]!.width - 0.5);

  // Starting the period's edition from the dashboard opens its draft.
  await page.getByRole('button', { name: /^Start the .* edition$/ }).click();
  await page.waitForURL(`**/admin/editions/${period}`);
});

test('on a 390 px phone the home page’s subscribe field shows its whole placeholder', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  await services.imports.loadDemo({ actor: OPERATOR });
  for (const locale of ['fr', 'en'] as const) {
    await services.settings.update({ actor: OPERATOR, input: { locale } });
    const page = await newPage();
    await page.setViewportSize(PHONE);
    await page.goto('/');
    const field = page.locator('.subscribe-form input[type="email"]').first();
    const fits = await field.evaluate((input: HTMLInputElement) => {
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { text: input.placeholder, width: context.measureText(input.placeholder).width, room };
    });
    assert.ok(fits.text.length > 0);
    assert.ok(fits.width <= fits.room, `${locale}: “${fits.text}” needs ${fits.width}px, has ${fits.room}px`);
  }
});
