// What the inbox's scripts say to a French editor: the selection count of the bulk bar and the
// place a row or a category is moved to, read by screen readers, in French.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

test('a French editor hears the moves and sees the selection count in French', async (t) => {
  const browser = await startBrowserTest(t);
  const { services, newPage } = browser;
  await services.accounts.setUpOwner(OWNER);
  const [owner] = await services.accounts.listUsers();
  await services.accounts.setLanguage({ actor: owner!, locale: 'fr' });
  const donnees = await services.categories.create({ name: 'Données' });
  await services.categories.create({ name: 'Outils' });
  const add = async (input: Record<string, unknown>) => (await services.links.add({ actor: owner!, input: input as never })).link;
  const first = await add({ url: 'https://exemple.fr/un', title: 'Premier lien', commentary: 'Un.', categoryId: donnees.id });
  await add({ url: 'https://exemple.fr/deux', title: 'Deuxième lien', commentary: 'Deux.', categoryId: donnees.id });

  const page = await newPage();
  await signInPage(page, OWNER);
  await page.goto('/admin/inbox');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');

  await page.getByRole('checkbox', { name: 'Sélectionner Premier lien' }).check();
  await page.locator('[data-selected-count]', { hasText: '1 lien sélectionné\u00a0:' }).waitFor();
  await page.getByRole('checkbox', { name: 'Sélectionner Deuxième lien' }).check();
  await page.locator('[data-selected-count]', { hasText: '2 liens sélectionnés\u00a0:' }).waitFor();

  await page.locator(`#link-${first.id}`).focus();
  // The newest link of a category comes first: the first one added is at the bottom.
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#keyboard-announcer', { hasText: 'Premier lien est déjà en dernier.' }).waitFor();
  await page.keyboard.press('Alt+ArrowUp');
  await page.locator('#keyboard-announcer', { hasText: 'Premier lien\u00a0: déplacé en position 1 sur 2 dans Données' }).waitFor();

  await page.locator('h1').click();
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Raccourcis clavier' }).waitFor();
  await page.keyboard.press('Escape');

  await page.goto('/admin/categories');
  await page.getByRole('button', { name: 'Déplacer Données (Alt+Haut, Alt+Bas)' }).focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#keyboard-announcer', { hasText: 'Données\u00a0: déplacé en position 2 sur 2 dans Catégories' }).waitFor();
});
