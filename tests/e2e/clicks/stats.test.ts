import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

test('the editor reads which links readers followed on the edition’s stats page', async (t) => {
  const clock = manualClock(new Date());
  const testApp = await startBrowserTest(t, { clock, env: { TRUST_PROXY: '1' } });
  const { services, baseUrl, database } = testApp;
  const owner = await services.accounts.setUpOwner(OWNER);
  const category = await services.categories.create({ name: 'Ops' });
  const ids: string[] = [];
  for (const title of ['Caddy 2.8', 'Traefik 3']) {
    const { link } = await services.links.add({
      actor: owner,
      input: { url: `https://links.example/${ids.length}`, title, commentary: 'À lire.', categoryId: category.id },
    });
    ids.push(link.id);
  }
  await services.editions.ensureDraft({ period: '2024-06' });
  await services.editions.addLinks({ id: '2024-06', linkIds: ids });
  await services.editions.publish({ period: '2024-06' });
  for (const email of ['ada@example.org', 'grace@example.org']) await services.subscribers.add({ email, actor: OPERATOR });
  const send = await services.delivery.start({ period: '2024-06', actor: OPERATOR });
  await services.delivery.run({ sendId: send.id });
  clock.set(new Date(Date.now() + 60_000));

  // Two readers follow the first link, one of them the second as well, a little later.
  const linkHref = (await services.clicks.linkHref({ edition: await services.editions.find({ period: '2024-06' }) }))!;
  const [first, second] = ids.map((id) => linkHref({ id } as Parameters<typeof linkHref>[0]));
  assert.ok(first!.startsWith(`${baseUrl}/c/2024-06/`));
  for (const [url, ip] of [
    [first, '203.0.113.1'],
    [first, '203.0.113.2'],
    [second, '203.0.113.2'],
  ] as const) {
    clock.advance(10_000);
    const response = await fetch(url!, { redirect: 'manual', headers: { 'user-agent': BROWSER, 'x-forwarded-for': ip } });
    assert.equal(response.status, 302);
  }
  const { rows } = await database.pool.query<{ clicks: number }>('SELECT sum(clicks)::int AS clicks FROM link_clicks');
  assert.equal(rows[0]!.clicks, 3);

  const page = await testApp.newPage();
  await signInPage(page, OWNER);
  await page.goto('/admin/editions/2024-06');
  await page.getByRole('link', { name: 'Stats' }).click();
  await page.waitForURL('**/admin/editions/2024-06/stats');
  await page.getByRole('heading', { name: 'Links readers followed' }).waitFor();

  const row = (title: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: title }) });
  const cells = async (title: string) => (await row(title).getByRole('cell').allInnerTexts()).map((text) => text.trim());
  assert.deepEqual(await cells('Caddy 2.8'), ['Caddy 2.8', 'Ops', '2', '100.0%']);
  assert.deepEqual(await cells('Traefik 3'), ['Traefik 3', 'Ops', '1', '50.0%']);
  assert.equal(await page.locator('[data-stat="delivered"]').innerText(), '2');
  assert.equal(await page.locator('[data-stat="clicks"]').innerText(), '3');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download as CSV' }).click();
  assert.equal((await download).suggestedFilename(), 'clicks-2024-06.csv');

  const audit = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(
    audit.violations.map((violation) => `${violation.id}: ${violation.help}`),
    [],
  );
});
