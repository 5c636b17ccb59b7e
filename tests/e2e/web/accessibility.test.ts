// Every page an editor or a reader opens, at desktop and phone sizes, checked by axe against WCAG
// 2.1 A and AA: none may have a serious or critical violation. The admin's pages come from the
// route table itself, so that a page added later is swept too.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, test, type TestContext } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { RouteOptions } from 'fastify';
import type { Page } from 'playwright-core';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { createAccessibilityFixtures, OWNER, type AccessibilityFixtures } from '../../helpers/accessibility-fixtures.ts';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// The admin templates rendered only as the answer to a form, swept in those states.
const SHOWN_AFTER_A_FORM = ['link-saved', 'subscriber-import'];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Axe's serious and critical findings on the page as it is now, one line per element, named after `where`. */
const axeRuns = { count: 0, ms: 0 };

async function findings(page: Page, where: string): Promise<string[]> {
  const started = performance.now();
  axeRuns.count += 1;
  // The sandboxed frames (an email's HTML, an edition's preview) run no script, axe's included:
  // their documents are admin routes of their own and swept as such.
  const results = await new AxeBuilder({ page })
    .withTags(TAGS)
    .exclude('iframe[sandbox]')
    // In the page itself, and only the violations back: the sweep runs axe some 150 times.
    .setLegacyMode(true)
    .options({ resultTypes: ['violations'] })
    .analyze();
  axeRuns.ms += performance.now() - started;
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${where}: ${violation.id} (${violation.impact}) ${node.target.join(' ')}: ${node.failureSummary?.split('\n').slice(1).join(' ') ?? violation.help}`,
      ),
    );
}

/** Waits for the fragments htmx loads with the page (counts, checks, progress). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('.htmx-request'));
}

/** Opens `path` at the desktop size, checks it, then at the phone size and checks it again. */
async function sweep(page: Page, path: string, found: string[], label = path): Promise<void> {
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(path);
  assert.ok(response, path);
  await settled(page);
  await checkBothSizes(page, label, found);
}

/** Checks the page as it is at the desktop size, then at the phone size. */
async function checkBothSizes(page: Page, label: string, found: string[]): Promise<void> {
  await page.setViewportSize(DESKTOP);
  found.push(...(await findings(page, `${label} at 1280x800`)));
  await page.setViewportSize(PHONE);
  found.push(...(await findings(page, `${label} at 390x844`)));
}

/** Checks the page in the state a person just brought it to, at the size it is. */
async function check(page: Page, label: string, found: string[]): Promise<void> {
  found.push(...(await findings(page, label)));
}

/** Values for the route table's path parameters: a path's id names a row of that path's feature. */
function fillRoute(url: string, fixtures: AccessibilityFixtures): string | undefined {
  const ids: Array<[RegExp, string]> = [
    [/^\/admin\/links/, fixtures.inbox[1]!.id],
    [/^\/admin\/editions\/:period\/links/, fixtures.draft.period],
    [/^\/admin\/subscribers\/import/, fixtures.subscriberImport.id],
    [/^\/admin\/subscribers/, fixtures.active.id],
    [/^\/admin\/team\/invitations/, fixtures.invitationRow.id],
    [/^\/admin\/team\/users/, fixtures.editor.id],
    [/^\/admin\/import/, fixtures.editionImport.id],
    [/^\/admin\/webhooks/, fixtures.webhook.id],
    [/^\/admin\/categories/, fixtures.categories[0]!.id],
  ];
  const values: Record<string, string | undefined> = {
    period: fixtures.sent.period,
    linkId: fixtures.inbox[0]!.id,
    file: fixtures.outbox[0]?.file,
    id: ids.find(([pattern]) => pattern.test(url))?.[1],
  };
  let missing = false;
  const filled = url.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return encodeURIComponent(value ?? '');
  });
  return missing ? undefined : filled;
}

/**
 * The admin's page routes: every GET route under /admin that answers a whole HTML document when a
 * browser opens it. Anything else (CSV, ZIP, Markdown, htmx fragments, JSON) is not a page.
 */
async function adminPages(page: Page, routes: string[], fixtures: AccessibilityFixtures): Promise<{ pages: string[]; unreachable: string[] }> {
  const pages: string[] = [];
  const unreachable: string[] = [];
  for (const route of routes) {
    const path = fillRoute(route, fixtures);
    if (!path) {
      unreachable.push(`${route}: no fixture fills its parameters`);
      continue;
    }
    const response = await page.request.get(path, { maxRedirects: 0 });
    const type = response.headers()['content-type'] ?? '';
    if (!type.startsWith('text/html')) continue;
    const body = await response.text();
    if (!/^\s*<!doctype html/i.test(body)) continue;
    // A 404 is a page the fixtures do not reach; a 400 is a fragment's route opened without its query.
    if (response.status() === 404) unreachable.push(`${route}: 404 at ${path}`);
    else if (response.status() === 200) pages.push(path);
  }
  return { pages, unreachable };
}

test('every admin page, the sign-in pages and the public site have no serious or critical axe violation, at 1280x800 and 390x844', async (t: TestContext) => {
  const routes: string[] = [];
  const onRoute = (route: RouteOptions) => {
    if ([route.method].flat().includes('GET') && route.url.startsWith('/admin')) routes.push(route.url);
  };
  const testApp = await startBrowserTest(t, { onRoute });
  const fixtures = await createAccessibilityFixtures(testApp);
  const found: string[] = [];

  const page = await testApp.newPage();
  await signInPage(page, OWNER);
  const { pages, unreachable } = await adminPages(page, [...new Set(routes)], fixtures);
  assert.deepEqual(unreachable, [], 'every admin page route is reached with fixture data');
  t.diagnostic(`${pages.length} admin pages from ${new Set(routes).size} GET routes under /admin`);
  // Every admin template but the two shown after a form is opened by some GET: fewer page routes
  // means that the probe went wrong (signed out, say), not that there are fewer pages.
  const templates = (await readdir(new URL('../../../views/admin/', import.meta.url))).filter((name) => name.endsWith('.eta'));
  assert.ok(pages.length >= templates.length - SHOWN_AFTER_A_FORM.length, `${pages.length} page routes for ${templates.length} admin templates`);
  // The pages the sweep opens besides: a draft's editor and its pre-flight, the capture popup.
  const extra = [
    `/admin/editions/${fixtures.draft.period}`,
    `/admin/editions/${fixtures.draft.period}/preflight`,
    `/admin/links/new?popup=1&url=${encodeURIComponent(fixtures.inbox[0]!.url)}&title=Already+saved`,
  ];
  const sweepList = [...pages, ...extra];
  assert.ok(sweepList.length >= pages.length && pages.every((path) => sweepList.includes(path)));
  for (const path of sweepList) await sweep(page, path, found);

  // The two pages shown after a form: the capture popup's "saved", a reader import's preview.
  await page.goto(`/admin/links/new?popup=1&url=${encodeURIComponent('https://example.org/from-the-popup')}&title=From+the+popup`);
  await page.getByRole('button', { name: 'Save link' }).click();
  await page.waitForURL('**/admin/links');
  await checkBothSizes(page, 'the capture popup once the link is saved', found);
  await page.goto('/admin/subscribers');
  await page.locator('details.import > summary').click();
  await page
    .getByLabel('CSV file')
    .setInputFiles({ name: 'readers.csv', mimeType: 'text/csv', buffer: Buffer.from('email\nnew-reader@example.org\nbroken\n') });
  await page.getByRole('button', { name: 'Preview the import' }).click();
  await page.waitForURL('**/admin/subscribers/import');
  await checkBothSizes(page, 'the preview of a reader import', found);

  // The states a person opens: a link's edit form in the inbox, the shortcuts, the phone's menu, a refused quick-add.
  await page.setViewportSize(DESKTOP);
  await page.goto('/admin/inbox');
  const row = page.locator(`#link-${fixtures.inbox[1]!.id}`);
  await row.focus();
  await page.keyboard.press('Enter');
  await row.locator('.link-edit-form').getByLabel('URL').waitFor();
  await check(page, 'the inbox with an edit form open', found);
  await page.keyboard.press('Escape');
  await row.locator('.link-title').waitFor();
  await page.locator('h1').click();
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await check(page, 'the inbox with the shortcuts dialog open', found);
  await page.keyboard.press('Escape');
  await page.getByLabel('URL to add').fill('ftp://example.org/file');
  await page.getByLabel('URL to add').press('Enter');
  await page.locator('#quick-add-result [role="alert"]').waitFor();
  await check(page, 'the inbox after a refused quick-add', found);
  await page.setViewportSize(PHONE);
  await page.getByText('Menu', { exact: true }).click();
  await page.getByRole('navigation', { name: 'Admin' }).waitFor();
  await check(page, 'the inbox at 390x844 with the menu open', found);
  await page.keyboard.press('Escape');
  await page.setViewportSize(DESKTOP);
  await page.goto(`/admin/editions/${fixtures.draft.period}`);
  await page.locator(`#edition-sections #link-${fixtures.inbox[0]!.id}`).getByRole('link', { name: 'Edit' }).click();
  await page.locator(`#edition-sections #link-${fixtures.inbox[0]!.id}`).getByLabel('URL').waitFor();
  await check(page, 'the editor with a link’s edit form open', found);
  await page.goto('/admin/categories');
  await page.getByLabel('New category').fill(fixtures.categories[0]!.name);
  await page.getByRole('button', { name: 'Add category' }).click();
  await page.locator('[aria-invalid="true"], [role="alert"]').first().waitFor();
  await check(page, 'the categories refusing a name already taken', found);

  // The reader's side, with no session.
  const reader = await testApp.newPage();
  for (const path of publicPaths(fixtures)) {
    await sweep(reader, path, found);
    assert.equal(await reader.locator('html').getAttribute('lang'), 'en', path);
  }
  for (const [label, act] of readerStates(fixtures)) {
    await reader.setViewportSize(DESKTOP);
    await act(reader);
    await checkBothSizes(reader, label, found);
  }
  await sweep(reader, '/login', found);
  await reader.setViewportSize(DESKTOP);
  await reader.getByLabel('Email').fill(OWNER.email);
  await reader.getByLabel('Password', { exact: true }).fill('not the password');
  await reader.getByRole('button', { name: 'Sign in' }).click();
  await reader.locator('[role="alert"]').first().waitFor();
  await check(reader, 'the sign-in page refusing a wrong password', found);
  await sweep(reader, `/invitations/${fixtures.invitationToken}`, found, 'the invitation to accept');

  // The French newsletter: the same public pages, in French, their lang saying so.
  await testApp.services.settings.update({ actor: OPERATOR, input: { locale: 'fr' } });
  await reader.setViewportSize(DESKTOP);
  for (const path of publicPaths(fixtures)) {
    await reader.goto(path);
    assert.equal(await reader.locator('html').getAttribute('lang'), 'fr', path);
    await check(reader, `${path} in French`, found);
  }
  t.diagnostic(`${axeRuns.count} axe runs, ${Math.round(axeRuns.ms)} ms in axe`);
  assert.deepEqual(found, [], `axe found serious or critical violations:\n${found.join('\n')}`);
});

/** The reader's pages opened by address: home, archive, an edition with code, search, subscription and unsubscription links, a bad link, a 404. */
function publicPaths(fixtures: AccessibilityFixtures): string[] {
  return [
    '/',
    '/archive',
    '/tags/docker',
    fixtures.codeEditionPath,
    fixtures.sentEditionPath,
    '/search?q=kubernetes',
    '/search?q=zzzzzz',
    '/subscribe',
    `/subscribe/confirm?token=${encodeURIComponent(fixtures.confirmToken)}`,
    `/unsubscribe?token=${encodeURIComponent(fixtures.activeToken)}`,
    `/unsubscribe?token=${encodeURIComponent(fixtures.leavingToken)}`,
    '/unsubscribe?token=tampered',
    '/subscribe/confirm?token=tampered',
    '/no/such/page',
  ];
}

/** The reader's pages reached by a form: refused, sent, confirmed, unsubscribed, subscribed again, the unsubscribe link asked for. */
function readerStates(fixtures: AccessibilityFixtures): Array<[string, (page: Page) => Promise<void>]> {
  const submit = async (page: Page, path: string | undefined, email: string | undefined, shown: string) => {
    if (path) await page.goto(path);
    if (email) await page.locator('main input[name="email"]').first().fill(email);
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.locator('main button[type="submit"]').first().click();
    await posted;
    await page.waitForLoadState();
    await page.locator(shown).first().waitFor();
  };
  const unsubscribe = `/unsubscribe?token=${encodeURIComponent(fixtures.activeToken)}`;
  return [
    ['the subscribe page after a refused address', (page) => submit(page, '/subscribe', 'nobody@localhost', '[aria-invalid="true"], [role="alert"]')],
    ['the subscription sent page', (page) => submit(page, '/subscribe', 'someone@example.org', 'main h1')],
    ['the subscription confirmed page', (page) => submit(page, `/subscribe/confirm?token=${encodeURIComponent(fixtures.confirmToken)}`, undefined, 'main h1')],
    ['the unsubscribed page', (page) => submit(page, unsubscribe, undefined, 'main form[action^="/unsubscribe/undo"]')],
    ['the subscribed again page', (page) => submit(page, undefined, undefined, 'main h1')],
    ['the unsubscribe link asked for', (page) => submit(page, '/unsubscribe?token=tampered', 'ada@example.org', 'main h1')],
  ];
}

test('the set-up page of a fresh app has no serious or critical axe violation', async (t) => {
  const testApp = await startBrowserTest(t);
  const page = await testApp.newPage();
  const found: string[] = [];
  await sweep(page, '/setup', found);
  await page.setViewportSize(DESKTOP);
  await page.getByRole('button').first().click();
  await page.waitForLoadState('networkidle');
  await check(page, 'the set-up page refusing an empty form', found);
  assert.deepEqual(found, [], `axe found serious or critical violations:\n${found.join('\n')}`);
});
