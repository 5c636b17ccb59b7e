// The HTTP server in front of Fastify. A reader's request for a page answered before (the public
// cache has its bytes and every header already assembled) is written straight to Node's response:
// Fastify's request and reply objects, hooks, routing and serialisation cost more than the answer
// itself. Everything else (a page not kept yet, a query string never seen, the admin, the API, a
// POST, an odd method, any request while the app closes) reaches Fastify untouched.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyServerFactory } from 'fastify';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Whether a URL's answers are logged at debug level only: static assets, health checks, the favicon. */
export function quietUrl(url: string): boolean {
  return url.startsWith('/static/') || url === '/healthz' || url === '/favicon.ico';
}

/** The access-log line of one answer. */
export function accessLine(method: string, url: string, status: number, elapsedMs: number): string {
  return `${method} ${url} ${status} ${elapsedMs.toFixed(1)}ms`;
}

/** Request ids as Fastify numbers them by default (req-1, req-2, ...): one sequence for Fastify and the fast path. */
export function requestIds(): () => string {
  let next = 0;
  return () => {
    // Kept a small integer (V8 keeps it unboxed), as Fastify does.
    next = (next + 1) & 0x7fffffff;
    return `req-${next.toString(36)}`;
  };
}

/**
 * Fastify's serverFactory: an HTTP server whose requests `answer` writes when it can (returning
 * true), Fastify's handler answering the rest. Answers written here are logged as Fastify's
 * request log writes them (one line, with a request id of the same sequence).
 */
export function fastPathServer(options: {
  answer: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** False once the app closes: Fastify then answers every request (with its 503). */
  open: () => boolean;
  requestId: () => string;
  log?: FastifyBaseLogger;
}): FastifyServerFactory<Server> {
  const { answer, open, requestId, log } = options;
  const enabled = (level: 'debug' | 'info') => log !== undefined && (LEVELS[log.level] ?? Infinity) <= LEVELS[level]!;
  return (handler, settings) => {
    const server = createServer((request, response) => {
      if (!open()) return handler(request, response);
      const level = quietUrl(request.url!) ? 'debug' : 'info';
      const logged = enabled(level);
      const startedAt = logged ? performance.now() : 0;
      if (!answer(request, response)) return handler(request, response);
      if (logged) log![level]({ reqId: requestId() }, accessLine(request.method!, request.url!, response.statusCode, performance.now() - startedAt));
    });
    // What Fastify sets on the server it creates itself.
    server.keepAliveTimeout = Number(settings.keepAliveTimeout);
    server.requestTimeout = Number(settings.requestTimeout);
    server.setTimeout(Number(settings.connectionTimeout));
    if (Number(settings.maxRequestsPerSocket) > 0) server.maxRequestsPerSocket = Number(settings.maxRequestsPerSocket);
    return server;
  };
}
