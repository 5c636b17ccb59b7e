// The security headers of every answer (Content-Security-Policy, HSTS behind https, framing,
// referrer...), as helmet writes them, computed once when the app is built: they depend on the
// configuration only, and a reader's request should not pay for assembling them again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The headers helmet would set on every answer for this configuration, by lower-case name. A
 * reader's page (`reader`) runs no script, frames and embeds nothing, and loads only its
 * stylesheet and images: its policy says so, which is both stricter and shorter than the admin's.
 */
export function securityHeaders(options: { secureCookies: boolean }, pages: 'site' | 'reader' = 'site'): Record<string, string> {
  const readerPolicy = {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      imgSrc: ["'self'", 'data:', 'https:'],
      styleSrc: ["'self'"],
      upgradeInsecureRequests: options.secureCookies ? [] : null,
    },
  };
  const middleware = helmet({
    contentSecurityPolicy:
      pages === 'reader'
        ? readerPolicy
        : {
            directives: {
              defaultSrc: ["'self'"],
              scriptSrc: ["'self'"],
              styleSrc: ["'self'"],
              imgSrc: ["'self'", 'data:', 'https:'],
              formAction: ["'self'"],
              frameAncestors: ["'none'"],
              // The admin's side-by-side preview frames two of its own pages.
              frameSrc: ["'self'"],
              upgradeInsecureRequests: options.secureCookies ? [] : null,
            },
          },
    strictTransportSecurity: options.secureCookies,
    // No Referer to other sites, as with no-referrer; but a browser without Fetch Metadata then
    // still sends the real Origin with Veille's own forms (no-referrer makes it "null"), which the
    // cross-site check needs.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    // A reader's page is the same for everyone, runs no script and holds nothing secret, and every
    // answer of the busiest pages carries its headers: it keeps the policy, nosniff, the referrer
    // policy (and HSTS), and leaves out what adds nothing there. X-Frame-Options: browsers ignore it
    // when the policy has frame-ancestors. X-DNS-Prefetch-Control: off: browsers already prefetch
    // nothing from an https page. Origin-Agent-Cluster, Cross-Origin-Opener-Policy and
    // Cross-Origin-Resource-Policy: they isolate a page's scripts and state from other origins', and
    // a public page has neither (its feeds and favicon are meant to be fetched from anywhere).
    // X-Download-Options (Internet Explorer 8), X-Permitted-Cross-Domain-Policies (Flash) and
    // X-XSS-Protection: 0 (an auditor no browser ships) speak to retired software. The admin keeps
    // helmet's full set.
    ...(pages === 'reader'
      ? {
          xFrameOptions: false,
          xDnsPrefetchControl: false,
          originAgentCluster: false,
          crossOriginOpenerPolicy: false,
          crossOriginResourcePolicy: false,
          xDownloadOptions: false,
          xPermittedCrossDomainPolicies: false,
          xXssProtection: false,
        }
      : {}),
  });
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  // helmet's middleware sets its headers synchronously; it never reads the request.
  middleware({} as IncomingMessage, collector as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}
