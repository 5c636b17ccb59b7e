import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { closeBrowser, signInPage, startBrowserTest } from '../../helpers/browser.ts';
import { type Sample } from '../../helpers/samples.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

after(closeBrowser);

const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

const SAMPLES = new URL('../../fixtures/samples/', import.meta.url);
const SAMPLE = JSON.parse(await readFile(new URL('web-ops-iot-et-time-series-juin-2024.json', SAMPLES), 'utf8')) as Sample;
const SAMPLE_MARKDOWN = await readFile(new URL('web-ops-iot-et-time-series-juin-2024.md', SAMPLES), 'utf8');
const LINKS = SAMPLE.categories.flatMap((category) => category.links.map((link) => ({ ...link, category: category.name })));
const SECTION_NAMES = SAMPLE.categories.map((category) => category.name);
const PATH = '/2024/06/web-ops-iot-et-time-series-juin-2024';
const TIP = { heading: 'Astuce du mois', body: 'Pour vérifier un script :\n\n```bash\necho hello\n```' };
const OPS_INTRO = 'Deux liens vus à la conférence de Lyon.';
const CLOSING = 'Bon mois de juillet, et à bientôt !';

/** The section names of the editor, in the order shown. */
async function editorSections(page: Page, names: Map<string, string>): Promise<string[]> {
  const ids = await page
    .locator('.section-list > .edition-section-block:not(.sortable-fallback)')
    .evaluateAll((blocks) => blocks.map((block) => (block as HTMLElement).dataset.id ?? ''));
  return ids.map((id) => names.get(id) ?? id);
}

/** Every block of the editor's panel (categories and text sections) by its name, in the order shown. */
async function editorBlocks(page: Page): Promise<string[]> {
  return page
    .locator('.section-list > .edition-section-block:not(.sortable-fallback)')
    .evaluateAll((blocks) => blocks.map((block) => (block.getAttribute('aria-label') ?? '').replace(/^Section /, '')));
}

/**
 * Drags a section by the handle of its heading until it sits just above another one, with real
 * mouse moves, and lets go as soon as it is there, as a person watching the list does.
 */
async function dragSectionAbove(page: Page, fromId: string, toId: string): Promise<void> {
  const handle = page.locator(`.edition-section-block[data-id="${fromId}"] > h3 > .drag-handle`);
  const target = page.locator(`.section-list > .edition-section-block[data-id="${toId}"]:not(.sortable-fallback)`);
  await handle.scrollIntoViewIfNeeded();
  const start = (await handle.boundingBox())!;
  const x = start.x + start.width / 2;
  let y = start.y + start.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y - 6, { steps: 3 });
  // A string, not a function: the page must not see the test's compiled helpers.
  const placed = () =>
    page.evaluate(`(() => {
      const ids = [...document.querySelectorAll('.section-list > .edition-section-block:not(.sortable-fallback)')].map((block) => block.dataset.id);
      const moved = ids.indexOf(${JSON.stringify(fromId)});
      return moved >= 0 && ids[moved + 1] === ${JSON.stringify(toId)};
    })()`);
  for (let step = 0; step < 80 && !(await placed()); step++) {
    const box = (await target.boundingBox())!;
    const goal = box.y + Math.min(box.height * 0.25, 12);
    y += Math.sign(goal - y) * Math.min(Math.abs(goal - y), 20);
    await page.mouse.move(x, y);
    await page.waitForTimeout(20);
  }
  await page.mouse.up();
}

/** Axe's serious and critical findings on the page, described one per line. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n  ${violation.nodes.map((node) => node.target.join(' ')).join('\n  ')}`);
}

test('an editor builds the June 2024 edition in the editor, a text section between two categories and a section intro included, publishes it, and readers find it everywhere in that order', async (t) => {
  const { newPage, services } = await startBrowserTest(t);
  const owner = await services.accounts.setUpOwner(OWNER);
  await services.settings.update({
    actor: OPERATOR,
    input: { locale: 'fr', timeZone: 'Europe/Paris', titleTemplate: 'Web, Ops, IoT et Time Series - {Month} {year}' },
  });
  const categoryIds = new Map<string, string>();
  for (const name of SECTION_NAMES) categoryIds.set(name, (await services.categories.create({ name })).id);
  const namesById = new Map([...categoryIds].map(([name, id]) => [id, name]));
  // The inbox and its proposals show the newest links first: collect them from the last, one
  // distinct millisecond apart, so that the newest first is the sample's order.
  for (const link of [...LINKS].reverse()) {
    await services.links.add({
      actor: owner,
      input: { url: link.url, title: link.title, commentary: link.commentary, categoryId: categoryIds.get(link.category) },
    });
    await sleep(3);
  }
  // The "Open the draft" button opens the current period; this edition is for June 2024.
  await services.editions.ensureDraft({ period: '2024-06' });

  const page = await newPage();
  // Tall enough for the sections to be dragged without scrolling.
  await page.setViewportSize({ width: 1280, height: 2000 });
  await signInPage(page, OWNER);
  await page.goto('/admin/editions/2024-06');
  assert.equal(await page.getByLabel('Title').inputValue(), SAMPLE.title);

  // Every link proposed from the inbox, in one go: their sections come in the categories' order.
  await page.getByRole('button', { name: `Add all ${LINKS.length}` }).click();
  await page.locator('#edition-sections', { hasText: 'The inbox is empty.' }).waitFor();
  const filled = SAMPLE.categories.filter((category) => category.links.length > 0).map((category) => category.name);
  assert.deepEqual(await editorSections(page, namesById), filled);
  for (const category of SAMPLE.categories.filter((each) => each.links.length > 0)) {
    const titles = await page.locator(`.edition-section-block[data-id="${categoryIds.get(category.name)}"] .link-title`).allInnerTexts();
    assert.deepEqual(
      titles,
      category.links.map((link) => link.title),
    );
  }

  // The empty sections, one at a time: each is added at the end.
  const empty = SECTION_NAMES.filter((name) => !filled.includes(name));
  for (const [index, name] of empty.entries()) {
    await page.getByLabel('Add an empty section').selectOption({ label: name });
    await page.getByRole('button', { name: 'Add section' }).click();
    await page.locator(`.edition-section-block[data-id="${categoryIds.get(name)}"]`).waitFor();
    assert.deepEqual(await editorSections(page, namesById), [...filled, ...empty.slice(0, index + 1)]);
  }
  assert.equal(await page.getByLabel('Add an empty section').count(), 0, 'no category is left to add');

  // Drag the sections that come before the filled ones in the sample above the first filled one.
  const firstFilled = categoryIds.get(filled[0]!)!;
  for (const name of SECTION_NAMES.slice(0, SECTION_NAMES.indexOf(filled[0]!))) {
    const saved = page.waitForResponse((response) => response.url().endsWith('/admin/editions/2024-06/sections') && response.status() === 204);
    await dragSectionAbove(page, categoryIds.get(name)!, firstFilled);
    await saved;
  }
  assert.deepEqual(await editorSections(page, namesById), SECTION_NAMES);

  // The text fields: autosaved a moment after typing. The editor adds a text section at once,
  // before the autosave ran: what was typed is saved before the page changes, not lost.
  await page.getByLabel('Tags').fill(SAMPLE.tags.join(', '));
  await page.getByLabel(/^Intro/).fill(SAMPLE.intro);
  await page.getByRole('button', { name: 'Add a text section after IoT' }).click();
  const textBlock = page.locator('.section-list > .edition-section-block[data-key^="t:"]');
  await textBlock.waitFor();
  const textKey = (await textBlock.getAttribute('data-key'))!;
  assert.deepEqual(
    await editorBlocks(page),
    [...SECTION_NAMES.slice(0, 3), 'Nouvelle section', ...SECTION_NAMES.slice(3)],
    'the text section comes in after IoT',
  );
  assert.equal(await page.getByLabel('Tags').inputValue(), SAMPLE.tags.join(', '), 'the tags typed before were saved');
  assert.equal(await page.getByLabel(/^Intro/).inputValue(), SAMPLE.intro, 'the intro typed before was saved');

  // Its heading and text, a section's opening words and the closing words, written in place.
  await page.getByLabel('Heading of the text section').fill(TIP.heading);
  await page.getByLabel('Text', { exact: true }).fill(TIP.body);
  await page.getByLabel('Text before the links of “Ops”').fill(OPS_INTRO);
  const saved = page.waitForResponse(
    (response) =>
      response.url().endsWith('/admin/editions/2024-06') &&
      response.request().method() === 'POST' &&
      new URLSearchParams(response.request().postData() ?? '').get('outro') === CLOSING,
  );
  await page.getByLabel(/^Closing words/).fill(CLOSING);
  assert.equal((await saved).status(), 200);
  await page.locator('#save-state', { hasText: 'Saved at' }).waitFor();

  // With the keyboard: Alt+Arrow Down on the focused text section moves it below Python, between
  // two categories, and the focus stays on it.
  await page.locator(`.edition-section-block[data-key="${textKey}"]`).focus();
  await page.keyboard.press('Alt+ArrowDown');
  const expected = [...SECTION_NAMES.slice(0, 4), TIP.heading, ...SECTION_NAMES.slice(4)];
  await page
    .locator(`.section-list > .edition-section-block[data-id="${categoryIds.get('Python')}"] + .edition-section-block[data-key="${textKey}"]:focus`)
    .waitFor();
  assert.deepEqual(await editorBlocks(page), expected);

  await page.reload();
  assert.equal(await page.getByLabel('Title').inputValue(), SAMPLE.title);
  assert.equal(await page.getByLabel('Tags').inputValue(), SAMPLE.tags.join(', '));
  assert.equal(await page.getByLabel(/^Intro/).inputValue(), SAMPLE.intro);
  assert.equal(await page.getByLabel('Heading of the text section').inputValue(), TIP.heading);
  assert.equal(await page.getByLabel('Text', { exact: true }).inputValue(), TIP.body);
  assert.equal(await page.getByLabel('Text before the links of “Ops”').inputValue(), OPS_INTRO);
  assert.equal(await page.getByLabel(/^Closing words/).inputValue(), CLOSING);
  assert.deepEqual(await editorBlocks(page), expected, 'the order survives a reload');
  assert.deepEqual(await seriousViolations(page), [], 'editor');

  // "Publish…" shows the checks first: the kept empty sections are warnings, to be acknowledged
  // before choosing; the link check starts as the screen opens.
  await page.getByRole('link', { name: 'Publish…' }).click();
  await page.getByRole('heading', { level: 1, name: `Publish “${SAMPLE.title}”` }).waitFor();
  await page.locator('#preflight-checks li[data-code="empty-section"]').first().waitFor();
  await page.locator('#link-check:not([hx-trigger="load"])').waitFor();
  assert.ok(await page.getByRole('button', { name: /^Publish and send to 0 readers$/ }).isVisible());
  assert.deepEqual(await seriousViolations(page), [], 'publish screen');
  await page.getByLabel('I have read the warnings').check();
  const question = new Promise<string>((resolve) => page.once('dialog', (dialog) => void dialog.accept().then(() => resolve(dialog.message()))));
  await page.getByRole('button', { name: 'Publish on the web only' }).click();
  assert.match(await question, /on the web only/);
  await page.locator('#flash').getByText(`Published: ${PATH}`).waitFor();

  // The home page shows the latest edition, its links in the sample's order.
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: SAMPLE.title }).waitFor();
  assert.deepEqual(
    await page.locator('.edition-body .edition-section li > a').allInnerTexts(),
    LINKS.map((link) => link.title),
  );
  assert.deepEqual(await seriousViolations(page), [], 'home page');

  // The permalink: every heading in order (the empty sections too, the tip between two categories), the links.
  await page.goto(PATH);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  await page.locator('.edition-meta', { hasText: 'Publié le' }).waitFor();
  assert.deepEqual(await page.locator('.edition-body h2').allInnerTexts(), expected);
  // The section's opening words come between its heading and its links; the closing words last.
  const ops = page.locator('.edition-body .edition-section', { has: page.getByRole('heading', { name: 'Ops', exact: true }) });
  assert.equal(await ops.locator(':scope > h2 + .section-intro + ul').count(), 1, 'the intro stands before the links of Ops');
  assert.equal((await ops.locator('.section-intro').innerText()).trim(), OPS_INTRO);
  assert.equal((await page.locator('.edition-body > .edition-outro:last-child').innerText()).trim(), CLOSING);
  assert.deepEqual(
    await page.locator('.edition-body .edition-section li > a').allInnerTexts(),
    LINKS.map((link) => link.title),
  );
  assert.deepEqual(
    await page.locator('.edition-body .edition-section li > a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href'))),
    LINKS.map((link) => link.url),
  );
  assert.equal(await page.locator('.edition-intro').innerText(), SAMPLE.intro);
  const code = page.locator('.edition-free pre code.hljs.language-bash');
  assert.equal((await code.innerText()).trim(), 'echo hello');
  assert.ok((await code.locator('span[class^="hljs-"]').count()) > 0, 'the code block is highlighted');
  for (const tag of SAMPLE.tags) assert.equal(await page.locator('.edition-tags a', { hasText: new RegExp(`^#${tag}$`) }).count(), 1, tag);
  assert.deepEqual(await seriousViolations(page), [], 'edition page');
  // Readers whose system is dark get the dark palette: it must read as well.
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await seriousViolations(page), [], 'edition page, dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // The tag page and the archive list it.
  await page.goto('/tags/caddy');
  await page.locator(`.archive-list a[href="${PATH}"]`, { hasText: SAMPLE.title }).waitFor();
  await page.goto('/archive');
  await page.locator(`.archive-list a[href="${PATH}"]`, { hasText: SAMPLE.title }).waitFor();
  assert.deepEqual(await seriousViolations(page), [], 'archive');

  await page.goto('/search?q=caddy');
  await page.locator(`.archive-list a[href="${PATH}"]`, { hasText: SAMPLE.title }).waitFor();
  assert.deepEqual(await seriousViolations(page), [], 'search');

  // The feeds carry every link.
  for (const feed of ['/feed.xml', '/atom.xml', '/feed.json']) {
    const response = await page.request.get(feed);
    assert.equal(response.status(), 200, feed);
    const body = await response.text();
    let from = 0;
    for (const link of LINKS) {
      const at = body.indexOf(link.url, from);
      assert.ok(at >= 0, `${feed} has ${link.url} after the previous link`);
      from = at + link.url.length;
    }
  }

  // The Markdown export (signed in) has every block in order, the sample's links line for line,
  // the section's opening words under its heading and the tip where it stands.
  const exported = await page.request.get('/admin/editions/2024-06/export.md');
  assert.equal(exported.status(), 200);
  const markdown = await exported.text();
  assert.deepEqual(
    markdown
      .split('\n')
      .filter((line) => line.startsWith('## '))
      .map((line) => line.slice(3)),
    expected,
  );
  const linkLines = (text: string) => text.split('\n').filter((line) => line.startsWith('* ['));
  assert.deepEqual(linkLines(markdown), linkLines(SAMPLE_MARKDOWN));
  assert.ok(markdown.includes(`tags = [${SAMPLE.tags.map((tag) => `"${tag}"`).join(', ')}]`));
  assert.ok(markdown.includes(`## ${TIP.heading}\n\n${TIP.body}\n`), 'the tip');
  assert.ok(markdown.includes(`## Ops\n\n${OPS_INTRO}\n\n* [`), 'the opening words of Ops, before its links');
  assert.ok(markdown.trimEnd().endsWith(CLOSING), 'the closing words');
});
