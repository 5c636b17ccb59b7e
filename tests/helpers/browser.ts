import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildTestApp, type TestApp } from './app.ts';
import { freePort } from './net.ts';

/**
 * The Chromium to drive: CHROMIUM_PATH when set, Playwright's own build when installed, else the
 * distribution's package (Debian's `chromium`), which is what CI installs.
 */
export function findChromium(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    safe(() => chromium.executablePath()),
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((candidate): candidate is string => Boolean(candidate && existsSync(candidate)));
  if (!found) throw new Error('No Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.');
  return found;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

let shared: Promise<Browser> | undefined;

/** One headless Chromium per test file, closed when the file's tests end. */
export function launchBrowser(): Promise<Browser> {
  shared ??= chromium.launch({
    executablePath: findChromium(),
    headless: true,
    // Without these Chromium tries to reach Google's services, which this network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return shared;
}

export async function closeBrowser(): Promise<void> {
  if (shared) await (await shared).close();
  shared = undefined;
}

export type BrowserTest = TestApp & { baseUrl: string; newPage: () => Promise<Page> };

/** The app listening on a free local port, and fresh browser pages (each with its own cookies). */
export async function startBrowserTest(t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}): Promise<BrowserTest> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Registered before the app's clean-up so that pages stop polling before the server closes.
  const contexts: BrowserContext[] = [];
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  const testApp = await buildTestApp(t, { ...options, env: { PUBLIC_URL: baseUrl, ...options.env } });
  await testApp.app.listen({ port, host: '127.0.0.1' });
  const browser = await launchBrowser();
  return {
    ...testApp,
    baseUrl,
    async newPage() {
      const context = await browser.newContext({ baseURL: baseUrl });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      return page;
    },
  };
}

/** Signs in through the form, as a person does, and waits for the admin. */
export async function signInPage(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin');
}
