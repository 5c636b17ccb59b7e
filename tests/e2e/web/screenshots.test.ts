// The README's tour: the main screens of a demo instance, photographed by the browser. Run with
// `npm run screenshots`, which sets SCREENSHOTS_DIR; the suite skips it otherwise.
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };
const directory = process.env.SCREENSHOTS_DIR;

test('the tour’s screenshots of a demo instance', { skip: directory ? false : 'set SCREENSHOTS_DIR (npm run screenshots)' }, async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  await services.accounts.setUpOwner(OWNER);
  await services.imports.loadDemo({ actor: OPERATOR });
  for (const email of ['ada@example.org', 'grace@example.org', 'linus@example.org']) await services.subscribers.add({ email, actor: OPERATOR });
  await services.subscribers.subscribe({ email: 'pending@example.org', form: 'home', ip: '203.0.113.7' });
  await mkdir(directory!, { recursive: true });

  const page = await newPage();
  await page.setViewportSize({ width: 1100, height: 720 });
  await signInPage(page, OWNER);
  const shots: Array<[string, string, { width: number; height: number }?]> = [
    ['dashboard', '/admin'],
    ['inbox', '/admin/inbox'],
    ['editions', '/admin/editions'],
    ['subscribers', '/admin/subscribers'],
    ['settings', '/admin/settings'],
    ['phone-dashboard', '/admin', { width: 390, height: 760 }],
  ];
  for (const [name, url, viewport] of shots) {
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    const file = path.join(directory!, `${name}.png`);
    await page.screenshot({ path: file });
    assert.ok((await stat(file)).size > 0, file);
  }
  const reader = await newPage();
  await reader.setViewportSize({ width: 1100, height: 720 });
  await reader.goto('/');
  await reader.waitForLoadState('networkidle');
  await reader.screenshot({ path: path.join(directory!, 'public-home.png') });
});
