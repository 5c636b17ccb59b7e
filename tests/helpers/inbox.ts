// The inbox as the admin's pages show it: its rows and groups read from the HTML, a signed-in
// owner posting forms with the session's token, links added and waited for.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Services } from '../../apps/bootstrap/services.ts';
import type { Link } from '../../apps/domain/links/links-service.ts';
import { buildTestApp } from './app.ts';
import { setUpOwner, type TestClient } from './client.ts';
import { until } from './wait.ts';

/** The header htmx sends with its requests. */
export const HX = { 'hx-request': 'true' };

/** Posts an admin form as the signed-in owner. */
export type PostForm = (url: string, body?: Parameters<TestClient['post']>[1], headers?: Record<string, string>) => ReturnType<TestClient['post']>;

/** Ids of the link rows of a page or fragment, in the order they are shown. */
export function rowIds(html: string): string[] {
  return [...html.matchAll(/<li class="link-row[^"]*" id="link-([0-9a-f-]{36})"/g)].map((match) => match[1]!);
}

/** The link rows of each group of the inbox page ("none" for "To sort"), in the order they are shown. */
export function groupRows(html: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const part of html.split(/<ul class="link-list" id="list-/).slice(1)) {
    const key = /^([0-9a-f-]{36}|none)"/.exec(part)?.[1];
    if (key) groups[key] = rowIds(part.split('</section>')[0]!);
  }
  return groups;
}

/** The app with a signed-in owner, and a shortcut to add links as that owner. */
export async function buildInbox(t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}) {
  const built = await buildTestApp(t, options);
  const owner = await setUpOwner(built.app);
  const [user] = await built.services.accounts.listUsers();
  const add = async (input: Record<string, unknown>): Promise<Link> => (await built.services.links.add({ actor: user!, input })).link;
  // The session's CSRF token, read once: posting like the admin forms without reloading a page each time.
  const csrf = await owner.csrfToken();
  const form: PostForm = (url, body = {}, headers = {}) => owner.post(url, { _csrf: csrf, ...body }, headers);
  return { ...built, owner, user: user!, add, form };
}

/** Quick-adds a URL the way the inbox form does with htmx, and returns the new link's id. */
export async function quickAdd(form: PostForm, url: string): Promise<string> {
  const response = await form('/admin/links', { url }, HX);
  assert.equal(response.statusCode, 200, response.body);
  const id = rowIds(response.body)[0];
  assert.ok(id, 'the answer holds the new row');
  return id;
}

/** Waits for the metadata job to have handled a link. */
export function fetched(services: Services, id: string): Promise<Link> {
  return until(`the metadata of ${id}`, async () => {
    const link = await services.links.get({ id });
    return link.fetchStatus !== 'pending' && link;
  });
}
