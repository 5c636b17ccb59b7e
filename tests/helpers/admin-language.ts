// Reading an admin page as its reader does, for the tests of the admin's language.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { frenchSpacing } from '../../apps/domain/platform/locales/index.ts';
import type { TestClient } from './client.ts';

export const FRENCH_BROWSER = { 'accept-language': 'fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7' };
export const ENGLISH_BROWSER = { 'accept-language': 'en-GB,en;q=0.9,fr;q=0.5' };

/** What a person reads on a page: its text (code and mail bodies left out) and the attributes a screen reader or a dialog says. */
export function shown(html: string): string {
  // The keyboard shortcuts' dialog, in every admin page, is the inbox's.
  const withoutCode = html.replace(/<(script|style|code|pre)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<dialog id="shortcuts"[\s\S]*?<\/dialog>/, ' ');
  const attributes = [...withoutCode.matchAll(/\s(?:placeholder|aria-label|title|hx-confirm|data-confirm|data-label|data-copied)="([^"]*)"/g)].map(
    (match) => match[1],
  );
  return [withoutCode.replace(/<[^>]+>/g, ' '), ...attributes]
    .join(' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t\r\n]+/g, ' ');
}

/** The page speaks `present` and none of `absent`, in what is shown as in its attributes (French words typeset: no-break spaces before : ; ! ?). */
export function assertSpeaks(html: string, page: string, present: string[], absent: string[]) {
  const text = shown(html);
  const typeset = /lang="fr"/.test(html) || !/<html/.test(html) ? present.map(frenchSpacing) : present;
  for (const words of typeset) assert.ok(text.includes(words), `${page}: “${words}” is shown\n${text.slice(0, 3000)}`);
  for (const words of absent) assert.ok(!text.includes(words), `${page}: “${words}” is not shown\n${text.slice(0, 3000)}`);
}

// Dates in a page are the editor's, never the machine's.
export const ISO_DAY = /\b20\d\d-\d\d-\d\d\b/;

/** A multipart upload, as the admin's forms send one. */
export async function upload(
  app: FastifyInstance,
  client: TestClient,
  url: string,
  file: { name: string; content: string | Buffer },
  headers: Record<string, string> = {},
) {
  const boundary = '----veille-language-boundary';
  const parts = [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${await client.csrfToken()}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];
  return app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `veille_session=${client.cookies.get('veille_session')}`, ...headers },
  });
}

/** Follows a redirect to the page that shows its flash message. */
export async function landing(client: TestClient, response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  assert.equal(response.statusCode, 303, response.body.slice(0, 500));
  return (await client.get(String(response.headers.location))).body;
}

/** Words of the admin's layout in English. */
export const ENGLISH_CHROME = ['Sign out', 'Skip to content', 'Your account'];
/** An app whose English newsletter's owner set it up from a French browser: their admin speaks French. */
export async function frenchOwner(client: TestClient, owner: { name: string; email: string; password: string }) {
  await landing(client, await client.postForm('/setup', owner, FRENCH_BROWSER));
}
