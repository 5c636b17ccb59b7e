import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { can, type Permission } from '../../domain/accounts/roles.ts';
import type { FieldErrors } from '../../domain/platform/errors.ts';
import type { Services } from '../../bootstrap/services.ts';
import { adminFormats, adminWordsFor, type AdminFormats, type AdminLocale, type AdminWords } from '../admin-locales/index.ts';
import { preferredAdminLocale } from '../accept-language.ts';
import { assetUrl } from '../assets.ts';

export const viewsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../views');

export type Flash = { type: 'success' | 'error' | 'info'; message: string };

/** What every template receives besides its own data. */
export type PageContext = AdminFormats & {
  /** The admin's words in the signed-in editor's language (the browser's before sign-in): `it.t.nav.inbox`. */
  t: AdminWords;
  locale: AdminLocale;
  user: FastifyRequest['user'];
  /** Whether the signed-in user's role allows an action, by the services' own rule: `it.can('settings.change')`. */
  can: (permission: Permission) => boolean;
  csrfToken: string | undefined;
  flash: Flash | undefined;
  newsletterName: string;
  path: string;
  /** The URL of a static file, versioned by its content: `it.asset('/static/css/app.css')`. */
  asset: typeof assetUrl;
};

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a full page, or only `fragment` when htmx asks for it (same data, same handler). */
    render: (template: string, data?: Record<string, unknown>, options?: { fragment?: string; status?: number }) => Promise<FastifyReply>;
    /** Re-renders a form with the user's input and a message per field (422 by default). */
    renderForm: (
      template: string,
      data: { values: Record<string, unknown>; errors: FieldErrors; error?: string } & Record<string, unknown>,
      options?: { fragment?: string; status?: number },
    ) => Promise<FastifyReply>;
    /** Keeps a message for the next page the user sees (after a redirect). */
    flash: (type: Flash['type'], message: string) => FastifyReply;
  }
}

const FLASH_COOKIE = 'veille_flash';

/** The language of the admin for this request: the signed-in editor's choice; before sign-in, the browser's (English otherwise). */
export function adminLocaleOf(request: FastifyRequest): AdminLocale {
  if (!request.user) return preferredAdminLocale(request.headers['accept-language']);
  return request.user.locale === 'fr' ? 'fr' : 'en';
}

/** The admin's words for this request, for what a route says itself (its flash messages). */
export function adminWords(request: FastifyRequest): AdminWords {
  return adminWordsFor(adminLocaleOf(request));
}

/** True when the answer should be a fragment: an htmx request that is not a history restore. */
export function wantsFragment(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-history-restore-request'] !== 'true';
}

/** Eta templates through @fastify/view, and the page-or-fragment helper every route uses. */
export const renderPlugin = fp(async (app: FastifyInstance, options: { services: Services; production: boolean; secureCookies: boolean }) => {
  // Like the session cookie: Secure behind https, so the message never travels in clear.
  const flashCookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies };
  const eta = new Eta({ views: viewsDir, cache: options.production, autoEscape: true, autoTrim: [false, 'nl'] });
  await app.register(fastifyView, { engine: { eta }, root: viewsDir, production: options.production });

  async function context(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
    let flash: Flash | undefined;
    // Outside the site's scope (an unknown address, a reader's page) no cookie is read.
    const raw = request.cookies?.[FLASH_COOKIE];
    if (raw) {
      const unsigned = request.unsignCookie(raw);
      if (unsigned.valid && unsigned.value) {
        try {
          flash = JSON.parse(unsigned.value) as Flash;
        } catch {
          flash = undefined;
        }
      }
      reply.clearCookie(FLASH_COOKIE, flashCookie);
    }
    const settings = await options.services.settings.get();
    const locale = adminLocaleOf(request);
    return {
      ...adminFormats(locale, settings.timeZone),
      t: adminWordsFor(locale),
      locale,
      user: request.user,
      can: (permission: Permission) => can(request.user, permission),
      csrfToken: request.session?.csrfToken,
      flash,
      newsletterName: settings.newsletterName,
      path: request.url.split('?')[0] ?? '/',
      asset: assetUrl,
    };
  }

  app.decorateReply('render', async function (this: FastifyReply, template: string, data = {}, renderOptions = {}) {
    const fragment = renderOptions.fragment && wantsFragment(this.request) ? renderOptions.fragment : template;
    const html = await this.viewAsync(fragment, { ...(await context(this.request, this)), ...data });
    this.header('Vary', 'HX-Request');
    this.header('Cache-Control', 'no-store');
    return this.code(renderOptions.status ?? this.statusCode)
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.decorateReply('renderForm', async function (this: FastifyReply, template: string, data, renderOptions = {}) {
    return this.render(template, data, { status: 422, ...renderOptions });
  });

  app.decorateReply('flash', function (this: FastifyReply, type: Flash['type'], message: string) {
    return this.setCookie(FLASH_COOKIE, JSON.stringify({ type, message }), { ...flashCookie, signed: true, maxAge: 60 });
  });
});
