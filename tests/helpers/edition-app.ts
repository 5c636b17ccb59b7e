// The editions app as the editions and public-site tests use it: a signed-in owner with an API
// token, French settings, and helpers to build published editions; plus assertions on HTML.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { buildTestApp } from './app.ts';
import { apiCaller, setUpOwner } from './client.ts';

export type EditionLinkJson = { id: string; url: string; title: string; commentary: string; via: string | null; children: EditionLinkJson[] };
export type EditionJson = {
  period: string;
  title: string;
  slug: string;
  tags: string[];
  intro: string;
  outro: string;
  freeSections: Array<{ heading: string; body: string }>;
  sections: Array<{ category: string; links: EditionLinkJson[] }>;
  status: string;
  url: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  correctedAt: string | null;
  version: number;
};
export type ErrorBody = { error: string; message: string; fields?: Record<string, string> };

/** The settings of the reference newsletter: French, Paris time, its title template. */
export const FRENCH = { locale: 'fr', timeZone: 'Europe/Paris', titleTemplate: 'Web, Ops, IoT et Time Series - {Month} {year}' };

/** Escapes text as the pages write it. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** Reads XML-escaped text back. */
export function unescapeXml(value: string): string {
  return value.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

/** Fails if the HTML could run anything: scripts, javascript: links, event handler attributes. */
export function assertInert(html: string, what: string): void {
  assert.doesNotMatch(html, /<script[^>]*>[^<]*alert/i, `${what}: a live script`);
  assert.doesNotMatch(html, /\shref\s*=\s*["']?\s*javascript:/i, `${what}: a javascript: link`);
  // A real attribute of a tag, not text that merely reads "onerror=" inside another attribute's value.
  assert.doesNotMatch(html, /<[a-z][a-z0-9-]*(?:\s+[^\s=>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*\s+on[a-z]+\s*=/i, `${what}: an event handler attribute`);
}

/** Fails unless every needle is in the haystack, each after the one before. */
export function assertInOrder(haystack: string, needles: string[], what: string): void {
  let from = 0;
  for (const needle of needles) {
    const at = haystack.indexOf(needle, from);
    assert.ok(at >= 0, `${what}: "${needle}" missing or out of order`);
    from = at + needle.length;
  }
}

/** The app with a signed-in owner, their API token, and French settings. */
export async function buildEditions(t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}) {
  const built = await buildTestApp(t, options);
  const client = await setUpOwner(built.app);
  await built.services.settings.update({ actor: OPERATOR, input: FRENCH });
  const [owner] = await built.services.accounts.listUsers();
  const { token } = await built.services.auth.createApiToken({ actor: owner!, name: 'test' });
  const call = apiCaller(built.app, token);
  const createLink = async (body: Record<string, unknown>): Promise<string> => {
    const response = await call('POST', '/api/v1/links', body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  };
  /** A draft for the period holding one link, published through the service. */
  const publishWith = async (period: string, link: Record<string, unknown>, values: { intro?: string; tags?: string[] } = {}) => {
    const draft = await built.services.editions.ensureDraft({ period });
    const linkId = await createLink(link);
    await built.services.editions.addLinks({ id: draft.id, linkIds: [linkId] });
    if (values.intro !== undefined || values.tags !== undefined)
      await built.services.editions.update({ id: draft.id, input: { version: draft.version, ...values } });
    return { edition: await built.services.editions.publish({ id: draft.id }), linkId };
  };
  return { ...built, client, call, createLink, publishWith };
}
