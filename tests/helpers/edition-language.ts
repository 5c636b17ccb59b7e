// The edition screens' fixtures and assertions on the words a page shows, for the tests of the
// admin in its editor's language.
import assert from 'node:assert/strict';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import type { TestApp } from './app.ts';
import { setUpOwner, type TestClient } from './client.ts';

export const PERIOD = '2024-06';
export const HX = { 'hx-request': 'true' };

/** What a person reads on a page: its text without tags (nor the hidden template of the Substack copy, nor the shortcuts dialog), and the words its attributes show or say. */
export function visible(html: string): string {
  const text = html
    .replace(/<template[\s\S]*?<\/template>/g, ' ')
    // The layout's keyboard shortcuts belong to every admin page, not to these screens.
    .replace(/<dialog id="shortcuts"[\s\S]*?<\/dialog>/g, ' ')
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  const attributes = [...html.matchAll(/\s(?:placeholder|aria-label|title|hx-confirm|data-confirm|data-unsaved|data-copied)="([^"]*)"/g)].map(
    (match) => match[1],
  );
  return [text, ...attributes]
    .join(' \n ')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\s+/g, ' ');
}

/** Fails unless the page shows each of `present` and none of `absent`. */
export function assertWords(html: string, what: string, present: string[], absent: string[]): void {
  const text = visible(html);
  for (const words of present) assert.ok(text.includes(words), `${what}: "${words}" missing in: ${text.slice(0, 3000)}`);
  for (const words of absent) assert.ok(!text.includes(words), `${what}: "${words}" still shown in: ${text.slice(0, 3000)}`);
}

/**
 * A draft of June 2024 holding a link of "Ops" with its commentary and one without category nor
 * commentary, a text section and an empty "Data" section kept for readers; a third link waits in
 * the inbox, and the newsletter has one active reader.
 */
export async function draftWithSections(testApp: TestApp, newsletter: { locale: 'en' | 'fr'; name: string }) {
  const { services } = testApp;
  await services.settings.update({
    actor: OPERATOR,
    input: { locale: newsletter.locale, newsletterName: newsletter.name, timeZone: 'Europe/Paris', senderEmail: 'news@veille.test' },
  });
  const client = await setUpOwner(testApp.app);
  const [owner] = await services.accounts.listUsers();
  const ops = await services.categories.create({ name: 'Ops' });
  const data = await services.categories.create({ name: 'Data' });
  const caddy = (
    await services.links.add({ actor: owner!, input: { url: 'https://links.example/caddy', title: 'Caddy 2.8', commentary: 'HTTP/3.', categoryId: ops.id } })
  ).link;
  const loose = (await services.links.add({ actor: owner!, input: { url: 'https://links.example/traefik', title: 'Traefik 3' } })).link;
  await services.links.add({ actor: owner!, input: { url: 'https://links.example/grafana', title: 'Grafana 11', categoryId: ops.id } });
  const draft = await services.editions.ensureDraft({ period: PERIOD });
  await services.editions.addLinks({ id: draft.id, linkIds: [caddy.id, loose.id] });
  await services.editions.arrange({ period: PERIOD, action: 'add-text:' });
  await services.editions.arrange({ period: PERIOD, action: `add-category:${data.id}` });
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  return { client, caddy, loose };
}

/** GETs a page (or a fragment, with HX), failing unless it answers 200; its HTML. */
export async function ok(client: TestClient, url: string, headers: Record<string, string> = {}) {
  const response = await client.get(url, headers);
  assert.equal(response.statusCode, 200, `${url}: ${response.body.slice(0, 500)}`);
  return response.body;
}

/** The public path of the June edition, from its editor page's link. */
export function publicPath(editorHtml: string): string {
  const path = /href="(\/2024\/06\/[^"]+)"/.exec(editorHtml)?.[1];
  assert.ok(path, 'the editor links the public page');
  return path;
}
