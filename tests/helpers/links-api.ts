// The links API as a script calls it: an owner's token, the JSON bodies it answers.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { buildTestApp } from './app.ts';
import { apiCaller, setUpOwner } from './client.ts';

/** A link as the API answers it. */
export type LinkBody = {
  id: string;
  url: string;
  title: string | null;
  description: string | null;
  commentary: string;
  via: string | null;
  tags: string[];
  category: string | null;
  categoryId: string | null;
  parentId: string | null;
  fetch: { status: string; error: string | null };
  createdBy: string | null;
  children?: LinkBody[];
  duplicates?: Array<{ id: string; title: string; where: string; edition: unknown }>;
};
/** A refusal as the API answers it. */
export type ErrorBody = { error: string; message: string; fields?: Record<string, string> };

/** What an id looks like. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The app with a signed-up owner and an API token of theirs; `call` sends authenticated requests. */
export async function buildApi(t: TestContext, options: Parameters<typeof buildTestApp>[1] = {}) {
  const built = await buildTestApp(t, options);
  await setUpOwner(built.app);
  const [owner] = await built.services.accounts.listUsers();
  const { token } = await built.services.auth.createApiToken({ actor: owner!, name: 'test' });
  const call = apiCaller(built.app, token);
  /** Creates a link and returns its JSON, failing the test unless the API answered 201. */
  const create = async (body: Record<string, unknown>): Promise<LinkBody> => {
    const response = await call('POST', '/api/v1/links', body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<LinkBody>();
  };
  return { ...built, call, create };
}

/** Ids of the links a list call returns, in order. */
export async function listIds(call: Awaited<ReturnType<typeof buildApi>>['call'], query: string): Promise<string[]> {
  const response = await call('GET', `/api/v1/links?${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ links: LinkBody[] }>().links.map((link) => link.id);
}
