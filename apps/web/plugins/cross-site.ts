import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RequestRefusedError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Accepts state-changing requests from other sites: forms embedded elsewhere, mail clients, the token API. */
    crossSite?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request's own headers say it was made by a page of this site, as OWASP's Fetch
 * Metadata guidance and Go's CrossOriginProtection decide it: Sec-Fetch-Site when the browser
 * sends it (all current ones do), else Origin; with neither the client is not a browser, and a
 * request it makes carries no one else's cookies to abuse.
 */
export function fromThisSite(headers: { 'sec-fetch-site'?: string | string[]; origin?: string | string[] }, origins: readonly string[]): boolean {
  const fetchSite = headers['sec-fetch-site'];
  // "none" is the person's own doing: a bookmark, an address typed in. "same-site" is a sibling
  // host, which may be someone else's.
  if (fetchSite !== undefined) return fetchSite === 'same-origin' || fetchSite === 'none';
  const origin = headers.origin;
  if (origin === undefined) return true;
  return typeof origin === 'string' && origins.includes(origin.toLowerCase());
}

/** Refuses non-GET requests from other sites with a 403, before their body is read, except on routes marked `crossSite`. */
export const crossSitePlugin = fp(async (app: FastifyInstance, options: { publicUrl: string }) => {
  const publicOrigin = new URL(options.publicUrl).origin;
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config.crossSite) return;
    // The origin the browser used may also be the address the server was reached at (a local
    // name besides PUBLIC_URL); another site cannot make a browser send a matching one.
    if (fromThisSite(request.headers, [publicOrigin, `${request.protocol}://${request.host}`.toLowerCase()])) return;
    request.log.warn({ url: request.url, origin: request.headers.origin, fetchSite: request.headers['sec-fetch-site'] }, 'cross-site request refused');
    throw new RequestRefusedError(
      403,
      'cross_site',
      'This request came from another site. Veille only accepts changes made from its own pages: go back to Veille, reload the page and try again.',
    );
  });
});
