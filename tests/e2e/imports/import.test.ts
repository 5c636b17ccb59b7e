import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';
import { zip } from '../../helpers/zip.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');

test('an editor uploads a static site’s editions, reads the dry run, imports them and finds them in the archive', async (t) => {
  const { newPage, services } = await startBrowserTest(t, { worker: true });
  await services.accounts.setUpOwner(OWNER);
  await services.settings.update({ actor: OPERATOR, input: { locale: 'fr', newsletterName: 'Web, Ops & Data' } });
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-e2e-import-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const file = path.join(folder, 'editions.zip');
  await writeFile(
    file,
    await zip({
      'content/web-ops-data-janvier-2018.md': await readFile(path.join(SAMPLES, 'web-ops-data-janvier-2018.md'), 'utf8'),
      'content/web-ops-iot-et-time-series-juin-2024.md': await readFile(path.join(SAMPLES, 'web-ops-iot-et-time-series-juin-2024.md'), 'utf8'),
      'content/notes.md': 'Pas de front matter ici.\n',
    }),
  );

  const page = await newPage();
  await signInPage(page, OWNER);

  await page.goto('/admin/import');
  await page.getByLabel('File').setInputFiles(file);
  await page.getByRole('button', { name: 'Read the file' }).click();
  await page.waitForURL(/\/admin\/import\/[0-9a-f-]{36}$/);

  // The dry run: what would be created, and what cannot be imported, before anything is written.
  await page.getByText('2 editions to create, with 21 links').waitFor();
  await page.getByRole('cell', { name: /notes\.md/ }).waitFor();
  // (The worker's minute tick may have made the current period's draft meanwhile: only the import's periods count.)
  const imported = (await services.editions.list()).filter((edition) => edition.period === '2018-01' || edition.period === '2024-06');
  assert.deepEqual(imported, [], 'the dry run writes nothing');

  await page.getByRole('button', { name: 'Import 2 editions' }).click();
  await page.getByText('2 created, 0 already there').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('progress[aria-label="Import progress"]').getAttribute('value'), '2');

  await page.goto('/archive');
  await page.getByRole('link', { name: 'Web, Ops & Data - Janvier 2018' }).click();
  await page.getByRole('heading', { name: 'Container & Orchestration' }).waitFor();
  await page.getByRole('link', { name: 'Core Workloads API GA' }).waitFor();
  await page.getByRole('heading', { name: 'Astuce(s) du mois' }).waitFor();
});
