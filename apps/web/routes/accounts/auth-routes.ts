import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../bootstrap/config.ts';
import { passwordStrength } from '../../../domain/accounts/passwords.ts';
import type { User } from '../../../domain/platform/types.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { adminWordsFor } from '../../admin-locales/index.ts';
import { clearSessionCookie, issuePreSessionToken, setSessionCookie } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { readersFormWords } from '../../form-words.ts';
import { adminLocaleOf, adminWords } from '../../plugins/render.ts';
import { localRedirectTarget } from '../../redirects.ts';

const loginBody = z.object({ email: z.unknown().optional(), password: z.unknown().optional(), next: z.unknown().optional() });
const setupBody = z.object({ name: z.unknown().optional(), email: z.unknown().optional(), password: z.unknown().optional(), demo: z.unknown().optional() });
const acceptBody = z.object({ name: z.unknown().optional(), password: z.unknown().optional() });
const tokenParams = z.object({ token: z.string() });
const strengthBody = z.object({ password: z.unknown().optional(), newPassword: z.unknown().optional() });

/** The field of a posted form, when it is text. */
function field(body: unknown, name: string): string | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The strength hint under a new password, for what was typed (or nothing when nothing was). */
function strengthOf(password: string | undefined) {
  return password ? passwordStrength(password.slice(0, 512)) : undefined;
}

/** First-run set-up, sign-in, sign-out and accepting an invitation. */
export async function authRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const { accounts, auth } = services;
  // Only pages of this site are followed after sign-in, so a crafted link cannot send the user elsewhere.
  const safeNext = (next: unknown) => localRedirectTarget(next, config.publicUrl) ?? '/admin';
  const formToken = (request: FastifyRequest, reply: FastifyReply) => issuePreSessionToken(request, reply, config);

  /** Opens a session for someone who has just proved who they are, in place of the browser's previous one. */
  async function signInAs(request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
    const session = await auth.openSession({ userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'], previousSessionId: request.sessionId });
    setSessionCookie(reply, config, session.sessionId, session.expiresAt);
  }

  // Each form comes back with a fresh token of its own page when it is refused (see forms.ts).
  const setupForm: FormRoute = {
    template: 'auth/setup',
    page: async (request, reply) => ({ csrfToken: formToken(request, reply), strength: strengthOf(field(request.body, 'password')) }),
    words: readersFormWords,
  };
  const loginForm: FormRoute = {
    template: 'auth/login',
    page: async (request, reply) => ({ next: safeNext(field(request.body, 'next')), csrfToken: formToken(request, reply) }),
    words: readersFormWords,
  };
  async function invitationPage(request: FastifyRequest, reply: FastifyReply) {
    const { token } = tokenParams.parse(request.params);
    return { invitation: await accounts.findInvitation({ token }), token, csrfToken: formToken(request, reply) };
  }
  const invitationForm: FormRoute = { template: 'auth/accept-invitation', page: invitationPage, words: readersFormWords };
  const invitationTitles = { 404: 'Invitation not valid' };

  app.get('/setup', async (request, reply) => {
    if (!(await accounts.needsSetup())) return reply.redirect('/login', 303);
    return reply.render('auth/setup', { values: {}, errors: {}, csrfToken: formToken(request, reply) });
  });

  // Once set up, the form is refused as a conflict whatever it carries, its token included.
  app.post('/setup', { config: { csrf: 'pre-session', form: setupForm }, preValidation: async () => accounts.refuseOnceSetUp() }, async (request, reply) => {
    const body = setupBody.parse(request.body ?? {});
    // The admin starts in the language the owner set it up in.
    const user = await accounts.setUpOwner({ ...body, locale: adminLocaleOf(request) });
    await signInAs(request, reply, user);
    const words = adminWordsFor(user.locale).readers.auth;
    // "Create and add demo content": the sample editions and a few inbox links, to look around.
    if (body.demo !== '1') return reply.flash('success', words.welcome(user.name)).redirect('/admin', 303);
    const loaded = await services.imports.loadDemo({ actor: user });
    return reply.flash('success', words.welcomeDemo(user.name, loaded.editions, loaded.inbox)).redirect('/admin', 303);
  });

  app.get('/login', async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    if (request.user) return reply.redirect(next, 303);
    return reply.render('auth/login', { values: { email: '' }, errors: {}, next, csrfToken: formToken(request, reply) });
  });

  app.post('/login', { config: { csrf: 'pre-session', form: loginForm } }, async (request, reply) => {
    const body = loginBody.parse(request.body ?? {});
    const session = await auth.signIn({
      email: body.email,
      password: body.password,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      previousSessionId: request.sessionId,
    });
    setSessionCookie(reply, config, session.sessionId, session.expiresAt);
    return reply.redirect(safeNext(body.next), 303);
  });

  app.post('/logout', async (request, reply) => {
    // Said in the language the editor's admin spoke.
    const words = adminWords(request).readers.auth;
    if (request.sessionId) await auth.signOut({ sessionId: request.sessionId });
    clearSessionCookie(reply, config);
    return reply.flash('info', words.signedOut).redirect('/login', 303);
  });

  app.get('/invitations/:token', { config: { titles: invitationTitles } }, async (request, reply) => {
    return reply.render('auth/accept-invitation', { ...(await invitationPage(request, reply)), values: {}, errors: {} });
  });

  app.post('/invitations/:token', { config: { csrf: 'pre-session', form: invitationForm, titles: invitationTitles } }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const user = await accounts.acceptInvitation({ token, ...acceptBody.parse(request.body ?? {}), locale: adminLocaleOf(request) });
    await signInAs(request, reply, user);
    const { newsletterName } = await services.settings.get();
    return reply.flash('success', adminWordsFor(user.locale).readers.auth.joined(newsletterName, user.name)).redirect('/admin', 303);
  });

  // The strength hint under a new password field, refreshed as the user types (htmx).
  app.post('/password-strength', { config: { csrf: false } }, async (request, reply) => {
    const body = strengthBody.parse(request.body ?? {});
    return reply.render('partials/password-strength', { strength: strengthOf(field(body, 'password') ?? field(body, 'newPassword')) });
  });
}
