import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import { ConflictError, NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '../../../domain/platform/errors.ts';
import { passwordStrength } from '../../../domain/accounts/passwords.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { clearSessionCookie, issuePreSessionToken, preSessionTokenValid, setSessionCookie } from '../../plugins/auth.ts';
import { localRedirectTarget } from '../../redirects.ts';

const loginBody = z.object({
  email: z.string().max(1000).optional().default(''),
  password: z.string().max(1000).optional().default(''),
  next: z.string().max(2000).optional(),
});
const setupBody = z.object({ name: z.unknown().optional(), email: z.unknown().optional(), password: z.unknown().optional(), demo: z.unknown().optional() });
const acceptBody = z.object({ name: z.unknown().optional(), password: z.unknown().optional() });


// A form posted before sign-in whose token does not match its cookie: another site's form, or a
// page left open past a browser restart. The form comes back with a fresh token and what was typed.
const FORM_EXPIRED = 'This form has expired or did not come from this page. It has been renewed: send it again.';

function client(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/** First-run set-up, sign-in, sign-out and accepting an invitation. */
export async function authRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const { accounts, auth } = services;
  // Only pages of this site are followed after sign-in, so a crafted link cannot send the user elsewhere.
  const safeNext = (next: unknown) => localRedirectTarget(next, config.publicUrl) ?? '/admin';
  const preSession = { config: { csrf: 'pre-session' as const } };
  const formToken = (request: FastifyRequest, reply: FastifyReply) => issuePreSessionToken(request, reply, config);

  app.get('/setup', async (request, reply) => {
    if (!(await accounts.needsSetup())) return reply.redirect('/login', 303);
    return reply.render('auth/setup', { values: {}, errors: {}, csrfToken: formToken(request, reply) });
  });

  app.post('/setup', preSession, async (request, reply) => {
    const body = setupBody.parse(request.body ?? {});
    const values = { name: typeof body.name === 'string' ? body.name : '', email: typeof body.email === 'string' ? body.email : '' };
    if (!preSessionTokenValid(request, config)) {
      if (!(await accounts.needsSetup())) throw new ConflictError('Veille is already set up: sign in instead.');
      return reply.renderForm('auth/setup', { values, errors: {}, error: FORM_EXPIRED, csrfToken: formToken(request, reply) }, { status: 403 });
    }
    try {
      const user = await accounts.setUpOwner(body);
      const session = await auth.openSession({ userId: user.id, ...client(request) });
      setSessionCookie(reply, config, session.sessionId, session.expiresAt);
      // "Create and add demo content": the sample editions and a few inbox links, to look around.
      if (body.demo === '1') {
        const loaded = await services.imports.loadDemo({ actor: user });
        return reply.flash('success', `Welcome, ${user.name}. Veille is ready, with ${loaded.editions} demo editions in the archive and ${loaded.inbox} links in the inbox.`).redirect('/admin', 303);
      }
      return reply.flash('success', `Welcome, ${user.name}. Veille is ready.`).redirect('/admin', 303);
    } catch (error) {
      if (error instanceof ValidationError) {
        const strength = typeof body.password === 'string' ? passwordStrength(body.password) : undefined;
        return reply.renderForm('auth/setup', { values, errors: error.fields, error: error.message, strength, csrfToken: formToken(request, reply) });
      }
      throw error;
    }
  });

  app.get('/login', async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    if (request.user) return reply.redirect(next, 303);
    return reply.render('auth/login', { values: { email: '' }, errors: {}, next, csrfToken: formToken(request, reply) });
  });

  app.post('/login', preSession, async (request, reply) => {
    const parsed = loginBody.safeParse(request.body ?? {});
    const body = parsed.success ? parsed.data : { email: '', password: '', next: undefined };
    const next = safeNext(body.next);
    const values = { email: body.email };
    const form = (data: { errors?: Record<string, string>; error: string }, status: number) =>
      reply.renderForm('auth/login', { values, errors: {}, ...data, next, csrfToken: formToken(request, reply) }, { status });
    if (!preSessionTokenValid(request, config)) return form({ error: FORM_EXPIRED }, 403);
    if (!body.email.trim() || !body.password) {
      const errors: Record<string, string> = {};
      if (!body.email.trim()) errors.email = 'Email is required.';
      if (!body.password) errors.password = 'Password is required.';
      return form({ errors, error: 'Enter your email and password.' }, 422);
    }
    try {
      const session = await auth.signIn({ email: body.email, password: body.password, ...client(request), previousSessionId: request.sessionId });
      setSessionCookie(reply, config, session.sessionId, session.expiresAt);
      return reply.redirect(next, 303);
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        return form({ error: error.message }, 401);
      }
      if (error instanceof RateLimitedError) {
        reply.header('Retry-After', String(error.retryAfterSeconds));
        return form({ error: error.message }, 429);
      }
      throw error;
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.sessionId) await auth.signOut(request.sessionId);
    clearSessionCookie(reply, config);
    return reply.flash('info', 'You are signed out.').redirect('/login', 303);
  });

  app.get('/invitations/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    try {
      const invitation = await accounts.findInvitation(token);
      return reply.render('auth/accept-invitation', { invitation, token, values: {}, errors: {}, csrfToken: formToken(request, reply) });
    } catch (error) {
      if (error instanceof NotFoundError) return reply.render('error', { status: 404, title: 'Invitation not valid', message: error.message }, { status: 404 });
      throw error;
    }
  });

  app.post('/invitations/:token', preSession, async (request, reply) => {
    const { token } = request.params as { token: string };
    const body = acceptBody.parse(request.body ?? {});
    const values = { name: typeof body.name === 'string' ? body.name : '' };
    try {
      if (!preSessionTokenValid(request, config)) {
        const invitation = await accounts.findInvitation(token);
        return reply.renderForm('auth/accept-invitation', { invitation, token, values, errors: {}, error: FORM_EXPIRED, csrfToken: formToken(request, reply) }, { status: 403 });
      }
      const user = await accounts.acceptInvitation({ token, ...body });
      if (request.sessionId) await auth.signOut(request.sessionId);
      const session = await auth.openSession({ userId: user.id, ...client(request) });
      setSessionCookie(reply, config, session.sessionId, session.expiresAt);
      return reply.flash('success', `Welcome to ${(await services.settings.get()).newsletterName}, ${user.name}.`).redirect('/admin', 303);
    } catch (error) {
      if (error instanceof ValidationError) {
        const invitation = await accounts.findInvitation(token);
        return reply.renderForm('auth/accept-invitation', { invitation, token, values, errors: error.fields, error: error.message, csrfToken: formToken(request, reply) });
      }
      if (error instanceof NotFoundError) return reply.render('error', { status: 404, title: 'Invitation not valid', message: error.message }, { status: 404 });
      throw error;
    }
  });

  // The strength hint under a new password field, refreshed as the user types (htmx).
  app.post('/password-strength', { config: { csrf: false } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const password = [body.password, body.newPassword].find((value): value is string => typeof value === 'string') ?? '';
    return reply.render('partials/password-strength', { strength: password ? passwordStrength(password.slice(0, 512)) : undefined });
  });
}
