import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ZodError } from 'zod';
import { escapeHtml } from '../../domain/platform/html.ts';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from '../../domain/platform/errors.ts';
import type { Services } from '../../bootstrap/services.ts';
import { RequestRefusedError } from '../http-errors.ts';
import type { Words } from '../../domain/platform/locales/index.ts';
import { publicContext } from '../public-context.ts';
import { formErrorOf, renderFormError } from './forms.ts';
import { refusalIn } from '../form-words.ts';
import { adminLocaleOf, adminWords, wantsFragment } from './render.ts';

/** The status a thrown error answers with; anything unexpected is a 500. */
export function statusOf(error: unknown): number {
  if (error instanceof ValidationError) return 422;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof ZodError) return 400;
  const status = (error as FastifyError).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

// htmx swaps these answers into the page (a form with its errors); it shows the message of the others.
const SWAPPED = new Set([409, 422]);

function wantsJson(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || request.url.startsWith('/webhooks/') || (request.headers.accept ?? '').startsWith('application/json');
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error page's title per status on this route, where the default says too little ("Invitation not valid"). */
    titles?: Partial<Record<number, string>>;
  }
}

/** One error handler for the whole app: a status per error type, never a stack trace or driver message. */
export const errorsPlugin = fp(async (app: FastifyInstance, options: { services: Services }) => {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => answer(error, request, reply, true));

  async function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply, withForm: boolean): Promise<FastifyReply> {
    const status = statusOf(error);
    // A 5xx message may carry SQL or driver details: log it, show a generic sentence.
    const message =
      status >= 500
        ? 'An unexpected error happened. It has been logged; please try again.'
        : error instanceof ZodError
          ? `The request is malformed: ${error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`
          : error.message;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, message: error.message }, 'request refused');
    if (error instanceof RateLimitedError) reply.header('Retry-After', String(error.retryAfterSeconds));
    const form = withForm ? request.routeOptions.config?.form : undefined;
    const failure = form && !wantsJson(request) ? formErrorOf(error) : undefined;
    // The form's page may fail to load in turn: a refusal of its own (the invitation it belongs to
    // has gone) is the answer then; anything unexpected is logged and the first refusal answered.
    if (form && failure) {
      const rendered = await renderFormError(request, reply, form, failure).catch((pageError: FastifyError) => {
        if (statusOf(pageError) < 500) return answer(pageError, request, reply, false);
        request.log.error({ err: pageError }, 'the refused form could not be shown again');
        return answer(error, request, reply, false);
      });
      if (rendered) return rendered;
    }
    if (wantsJson(request) || (wantsFragment(request) && !SWAPPED.has(status))) {
      const body: Record<string, unknown> = { error: errorCode(error), message };
      if (error instanceof ValidationError) body.fields = error.fields;
      if (error instanceof RequestRefusedError && error.field) body.fields = { [error.field]: message };
      return reply.code(status).send(body);
    }
    if (wantsFragment(request)) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(`<div class="alert alert-error" role="alert">${escapeHtml(message)}</div>`);
    }
    if (isPublicPath(request.url)) {
      if (status === 404) return renderPublicNotFound(reply, options.services);
      return renderPublicError(reply, options.services, status, error);
    }
    // In the admin's language; the English titles a route names are for English.
    const words = adminWords(request).readers.errorPage;
    if (adminLocaleOf(request) !== 'en') {
      const code = error instanceof DomainError ? error.code : undefined;
      const shown = status >= 500 ? words.serverError : refusalIn(request, { code, message });
      return reply.render('error', { status, title: words.titles[status] ?? words.title, message: shown }, { status });
    }
    const title = request.routeOptions.config?.titles?.[status] ?? words.titles[status] ?? words.title;
    return reply.render('error', { status, title, message }, { status });
  }

  // Unknown URLs are cheap to ask for and cost a render each: a bot walking random paths is slowed
  // down by the rate limit registered on this handler.
  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 120, timeWindow: 60_000 }) }, notFoundHandler(options.services));
});

/** The answer to an address no route serves: JSON for the API, the reader's 404 on the public site, the admin's otherwise. */
export function notFoundHandler(services: Services) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (wantsJson(request)) return reply.code(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
    if (isPublicPath(request.url)) return renderPublicNotFound(reply, services);
    return reply.render('error', { status: 404, title: 'Page not found', message: 'There is nothing at this address.' }, { status: 404 });
  };
}

/** A stable snake_case code for an error: not_found, validation, rate_limited, conflict, ... */
function errorCode(error: FastifyError): string {
  if (error instanceof ZodError) return 'bad_request';
  const name = error instanceof DomainError ? error.name.replace(/Error$/, '') : (error.code ?? 'error');
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Readers' pages: everything outside the admin, the sign-in pages and the API. */
function isPublicPath(url: string): boolean {
  return !/^\/(admin|api|login|logout|setup|invitations|static)(\/|$|\?)/.test(url);
}

/** The 404 page of the public site, in the newsletter's language. */
async function renderPublicNotFound(reply: FastifyReply, services: Services): Promise<FastifyReply> {
  const html = await reply.viewAsync('public/not-found', await publicContext(services));
  return reply.code(404).type('text/html; charset=utf-8').send(html);
}

/** A refused request on the public site: a page in the newsletter's language that says why without internals. */
async function renderPublicError(reply: FastifyReply, services: Services, status: number, error: unknown): Promise<FastifyReply> {
  const context = await publicContext(services);
  const { heading, message } = publicErrorWords(context.t, status, error);
  const html = await reply.viewAsync('public/error', { ...context, heading, message });
  return reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** The title and sentence a reader sees for an error. */
function publicErrorWords(t: Words['site'], status: number, error: unknown): { heading: string; message: string } {
  if (status >= 500) return { heading: t.serverError, message: t.serverErrorText };
  if (status === 429) return { heading: t.tooManyRequests, message: t.tooManyRequestsText };
  if (error instanceof RequestRefusedError && error.code === 'cross_site') return { heading: t.forbidden, message: t.crossSiteText };
  if (error instanceof RequestRefusedError && error.code === 'invalid_characters')
    return { heading: t.badRequest, message: t.invalidCharactersText.replace('{field}', error.field ?? '') };
  return { heading: t.badRequest, message: t.badRequestText };
}
