// An email's HTML shown inside the admin: framed by the admin only, sandboxed by the page that
// frames it, and allowed no script, form or request of its own but its inline styles and images.
import type { FastifyReply } from 'fastify';

/** Sends an email's HTML for an `<iframe sandbox>` of the admin, under a CSP that lets it do nothing. */
export function sendSandboxedHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'")
    .header('X-Frame-Options', 'SAMEORIGIN')
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}
