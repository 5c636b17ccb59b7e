import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

test('a new user sets up the owner account, signs out, fails once and signs in again', async (t) => {
  const { newPage } = await startBrowserTest(t);
  const page = await newPage();

  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/setup');
  await page.getByLabel('Your name').fill(OWNER.name);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill('password12345');
  await page.locator('#password-strength').getByText('Avoid common words').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page
    .locator('#password-strength')
    .getByText(/Strength: (good|strong)/)
    .waitFor();
  await page.getByRole('button', { name: 'Create the owner account' }).click();

  await page.waitForURL('**/admin');
  await page.getByRole('heading', { name: `Welcome, ${OWNER.name}` }).waitFor();
  for (const section of ['Inbox', 'Editions', 'Subscribers', 'Settings']) {
    assert.equal(await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: section }).count(), 1);
  }
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Inbox' }).click();
  await page.getByRole('heading', { name: 'The inbox is empty' }).waitFor();

  await page.locator('.admin-user summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/login');
  await page.getByText('You are signed out.').waitFor();

  await page.goto('/admin/settings');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill('not the right one');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Incorrect email or password.').waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), OWNER.email, 'the email typed is kept');

  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin/settings');
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
});

test('a form whose CSRF token was tampered with is refused', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  const page = await newPage();
  await signInPage(page, OWNER);

  await page.goto('/admin/settings');
  await page.getByLabel('Newsletter name').fill('Forged name');
  await page.locator('form[action="/admin/settings"] input[name="_csrf"]').evaluate((input: HTMLInputElement) => {
    input.value = 'forged-token';
  });
  const [response] = await Promise.all([page.waitForResponse('**/admin/settings'), page.getByRole('button', { name: 'Save settings' }).click()]);
  assert.equal(response.status(), 403);
  await page.getByText('did not come from Veille').waitFor();
  assert.equal((await services.settings.get()).newsletterName, 'Veille');

  await page.goto('/admin/settings');
  await page.getByLabel('Newsletter name').fill('Web, Ops & Data');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  assert.equal((await services.settings.get()).newsletterName, 'Web, Ops & Data');
});

test('the owner invites an editor who joins from the link', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  const owner = await newPage();
  await signInPage(owner, OWNER);
  await owner.goto('/admin/team');
  await owner.getByLabel('Email').fill('camille@example.org');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  const link = await owner.getByLabel('Invitation link').inputValue();
  assert.match(link, /\/invitations\//);
  await owner.getByRole('cell', { name: 'camille@example.org' }).waitFor();

  const editor = await newPage();
  await editor.goto(link);
  await editor.getByLabel('Your name').fill('Camille Durand');
  await editor.getByLabel('Password', { exact: true }).fill('une phrase de passe assez longue');
  await editor.getByRole('button', { name: 'Create my account' }).click();
  await editor.waitForURL('**/admin');
  await editor.getByRole('heading', { name: 'Welcome, Camille Durand' }).waitFor();
});
