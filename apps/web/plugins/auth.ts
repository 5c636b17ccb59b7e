import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { csrfMatches, SESSION_TTL_MS } from '../../domain/accounts/auth-service.ts';
import { authorize, type Permission } from '../../domain/accounts/roles.ts';
import type { Config } from '../../bootstrap/config.ts';
import type { Services } from '../../bootstrap/services.ts';
import { hmac, randomToken, safeEqual } from '../../domain/platform/tokens.ts';
import type { User } from '../../domain/platform/types.ts';
import { RequestRefusedError } from '../http-errors.ts';
import { localRedirectTarget } from '../redirects.ts';
import { FORM_EXPIRED } from './forms.ts';
import { wantsFragment } from './render.ts';

export const SESSION_COOKIE = 'veille_session';

declare module 'fastify' {
  interface FastifyInstance {
    /** PUBLIC_URL: the origin redirects and links are resolved against. */
    publicUrl: string;
  }
  interface FastifyRequest {
    user: User | undefined;
    session: { idHash: string; csrfToken: string } | undefined;
    /** The raw id from the session cookie, when it named a live session. */
    sessionId: string | undefined;
  }
  interface FastifyContextConfig {
    /**
     * false on the few POST routes that need no CSRF token (public forms, the API); 'pre-session'
     * on the forms posted before there is a session (sign-in, set-up, invitations), which carry
     * the token issuePreSessionToken gave their page instead.
     */
    csrf?: false | 'pre-session';
  }
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure behind https. */
export function setSessionCookie(reply: FastifyReply, config: Pick<Config, 'secureCookies'>, sessionId: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Pick<Config, 'secureCookies'>): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies });
}

// Before sign-in there is no session to bind a CSRF token to: the forms that open one carry a
// signed double-submit token instead (a random value in a cookie, its HMAC in the form), so that a
// form on another site cannot sign a visitor in as the attacker. Over https the cookie's __Host-
// prefix keeps a sibling host from planting one.
const PRE_SESSION_COOKIE = 'veille_presession';
const preSessionCookieName = (config: Pick<Config, 'secureCookies'>) => (config.secureCookies ? `__Host-${PRE_SESSION_COOKIE}` : PRE_SESSION_COOKIE);
const preSessionProof = (config: Pick<Config, 'sessionSecret'>, value: string) => hmac(config.sessionSecret, `pre-session:${value}`);

/** The token a form posted before sign-in carries; sets its cookie when the browser has none yet. */
export function issuePreSessionToken(request: FastifyRequest, reply: FastifyReply, config: Pick<Config, 'secureCookies' | 'sessionSecret'>): string {
  const name = preSessionCookieName(config);
  let value = request.cookies[name];
  if (!value || !/^[A-Za-z0-9_-]{32}$/.test(value)) {
    value = randomToken(24);
    reply.setCookie(name, value, { path: '/', httpOnly: true, sameSite: 'strict', secure: config.secureCookies });
    // Whoever renders the form next in this request reuses the same value.
    request.cookies[name] = value;
  }
  return preSessionProof(config, value);
}

// A form posted before sign-in whose token does not match its cookie: another site's form, or a
// page left open past a browser restart. The form comes back with a fresh token and what was typed.
const FORM_EXPIRED_MESSAGE = 'This form has expired or did not come from this page. It has been renewed: send it again.';

/** True when a form posted before sign-in carries the token of the cookie its page set. */
function preSessionTokenValid(request: FastifyRequest, config: Pick<Config, 'secureCookies' | 'sessionSecret'>): boolean {
  const value = request.cookies[preSessionCookieName(config)];
  const token = submittedCsrfToken(request);
  return Boolean(value && token && safeEqual(preSessionProof(config, value), token));
}

/** The CSRF token a request carries: the X-CSRF-Token header htmx sends, or a form's `_csrf` field. */
function submittedCsrfToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?._csrf === 'string' ? body._csrf : undefined;
}

/** Loads the signed-in user from the session cookie on every request and checks CSRF tokens. */
export const authPlugin = fp(async (app: FastifyInstance, options: { services: Services; config: Config }) => {
  const { auth } = options.services;
  app.decorate('publicUrl', options.config.publicUrl);
  app.decorateRequest('user', undefined);
  app.decorateRequest('session', undefined);
  app.decorateRequest('sessionId', undefined);

  // Until the owner exists, the site and the admin lead to the set-up page.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if ((path === '/' || path === '/login' || path === '/admin' || path.startsWith('/admin/')) && (await options.services.accounts.needsSetup())) {
      return reply.redirect('/setup', 303);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId || request.url.startsWith('/static/') || request.url === '/healthz') return;
    const found = await auth.authenticateSession({ sessionId });
    if (!found) return;
    request.user = found.user;
    request.session = { idHash: found.session.idHash, csrfToken: found.session.csrfToken };
    request.sessionId = sessionId;
    if (found.renewed) setSessionCookie(reply, options.config, sessionId, new Date(Date.now() + SESSION_TTL_MS));
  });

  // Every state-changing request made with a session must carry that session's CSRF token, in
  // the `_csrf` field of a form or the X-CSRF-Token header that htmx sends from <body hx-headers>.
  app.addHook('preHandler', async (request, reply) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return;
    if (request.routeOptions.config.csrf === 'pre-session') {
      // The route's form comes back with a fresh token (see forms.ts).
      if (!preSessionTokenValid(request, options.config)) throw new RequestRefusedError(403, FORM_EXPIRED, FORM_EXPIRED_MESSAGE);
      return;
    }
    // Without a session the request carries no authority to abuse; the route's own check refuses it.
    // The JSON API authenticates by Bearer token, which a browser never sends on its own.
    if (!request.session || request.url.startsWith('/api/')) return;
    if (request.routeOptions.config.csrf !== undefined) return;
    if (csrfMatches(request.session, submittedCsrfToken(request))) return;
    request.log.warn({ url: request.url }, 'CSRF token missing or invalid');
    const message = 'This form has expired or did not come from Veille. Reload the page and try again.';
    if (wantsFragment(request) || !acceptsHtml(request)) {
      return reply.code(403).type('application/json').send({ error: 'csrf', message });
    }
    return reply.code(403).render('error', { status: 403, title: 'Form expired', message });
  });
});

/** Refuses requests from visitors who are not signed in: a redirect to sign-in for pages, 401 otherwise. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.user) return;
  if (wantsFragment(request)) {
    // htmx names the page the request came from; back there after signing in, if it is one of ours.
    const back = localRedirectTarget(request.headers['hx-current-url'], request.server.publicUrl) ?? '/admin';
    reply.header('HX-Redirect', `/login?next=${encodeURIComponent(back)}`);
    return reply.code(401).send({ error: 'unauthenticated', message: 'Your session has ended. Sign in again.' });
  }
  if (!acceptsHtml(request) || request.method !== 'GET') {
    return reply.code(401).send({ error: 'unauthenticated', message: 'Sign in first.' });
  }
  return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
}

/**
 * Lets through only the users whose role allows `permission`: the rule the services apply
 * themselves (roles.ts), checked here too so that a refusal comes before the request's body is read.
 */
export function requirePermission(permission: Permission) {
  return async (request: FastifyRequest): Promise<void> => authorize(request.user, permission);
}

/** Authenticates /api/v1 requests by their Bearer token. */
export function bearerAuth(services: Services) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      reply.header('WWW-Authenticate', 'Bearer realm="veille"');
      return reply.code(401).send({ error: 'unauthenticated', message: 'Send an API token as "Authorization: Bearer <token>".' });
    }
    // Throws UnauthenticatedError, mapped to 401 by the error handler.
    request.user = await services.auth.authenticateToken({ token: match[1]! });
  };
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept === '' || accept.includes('text/html') || accept.includes('*/*');
}
