import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

type Body = Record<string, string | string[] | undefined>;

/** A browser-like client over app.inject: keeps cookies and knows the page's CSRF token. */
export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly app: FastifyInstance) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const expired = cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now()) || cookie.maxAge === 0;
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers } }));
  }

  /** Posts a urlencoded form, as a browser does. */
  async post(url: string, body: Body = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
    }
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers },
      }),
    );
  }

  /**
   * The CSRF token a browser's form would carry, read from a page as a browser would: for the
   * forms posted before sign-in (sign-in, set-up, an invitation), the one their page shows with
   * its cookie; for every other form, the session's, from an admin page.
   */
  async csrfToken(formUrl?: string): Promise<string> {
    const page = await this.get(formUrl && /^\/(login|setup|invitations\/)/.test(formUrl) ? formUrl : '/admin/account');
    const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (!match) throw new Error(`no CSRF token on the page (status ${page.statusCode})`);
    return match[1]!;
  }

  /** Posts a form with its CSRF token in `_csrf`, as the app's forms do (the page at `url` shows the form before sign-in). */
  async postForm(url: string, body: Body = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.post(url, { _csrf: await this.csrfToken(url), ...body }, headers);
  }
}

export const OWNER = { name: 'Nicolas Martin', email: 'nicolas@example.org', password: 'correct horse battery staple' };

/** Runs the first-run set-up and returns a client signed in as the owner. */
export async function setUpOwner(app: FastifyInstance, owner = OWNER): Promise<TestClient> {
  const client = new TestClient(app);
  const response = await client.postForm('/setup', owner);
  if (response.statusCode !== 303) throw new Error(`set-up failed with ${response.statusCode}: ${response.body.slice(0, 500)}`);
  return client;
}

/** Signs in with a fresh client. */
export async function signIn(app: FastifyInstance, email: string, password: string): Promise<TestClient> {
  const client = new TestClient(app);
  const response = await client.postForm('/login', { email, password });
  if (response.statusCode !== 303) throw new Error(`sign-in failed with ${response.statusCode}`);
  return client;
}

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Calls the JSON API with a Bearer token, as a script would: an object payload is sent as JSON,
 * a string as it is (malformed bodies).
 */
export function apiCaller(app: FastifyInstance, token: string) {
  return (method: ApiMethod, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
}
