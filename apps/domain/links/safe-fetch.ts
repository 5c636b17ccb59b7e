// Fetching a URL an editor pasted, or a feed an owner named, without letting it reach inside the
// network: every host name is resolved here, every address checked before connecting, the
// connection goes to the checked address (never to the name again), and time, size and redirects
// are capped. What is read is left to the caller (page metadata, a feed's bytes).
import dns from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { isForbiddenAddress } from './address-checks.ts';

/** One address a host name resolves to, as `dns.promises.lookup(name, { all: true })` gives it. */
export type ResolvedAddress = { address: string; family: 4 | 6 };

/** Limits of one fetch; the defaults suit production. */
export type FetchOptions = {
  /** Lets loopback and private addresses through; for tests and intranet setups only. */
  allowPrivate?: boolean;
  /** Total time for the whole fetch, redirects included. */
  timeoutMs?: number;
  /** Bytes of (decompressed) body read at most; the rest is ignored. */
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** Resolves a host name to every address it has. */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
};

/** A fetch Veille refused or could not complete; `reason` is a sentence shown to the editor beside the link. */
export class MetadataFetchError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'MetadataFetchError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_USER_AGENT = 'Veille/0.1 (+link preview)';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The limits of one fetch with their defaults filled in, and the Accept header sent. */
export type FetchSettings = Required<FetchOptions> & { accept: string };

async function systemLookup(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dns.promises.lookup(hostname, { all: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

/** The same sentence, said about the address a redirect led to rather than the pasted one. */
function refuse(reason: string, redirected: boolean, options?: ErrorOptions): MetadataFetchError {
  return new MetadataFetchError(redirected ? `After a redirect, ${reason.charAt(0).toLowerCase()}${reason.slice(1)}` : reason, options);
}

function checkUrl(raw: string | URL, redirected: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('The address is not a valid URL.', redirected);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('Only http and https addresses can be fetched.', redirected);
  if (url.username !== '' || url.password !== '') throw refuse('Addresses with a user name or password are not fetched.', redirected);
  return url;
}

/** Rejects with the signal's reason as soon as it aborts, even when the promise cannot be cancelled (DNS). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function resolveHost(hostname: string, settings: FetchSettings, signal: AbortSignal, redirected: boolean): Promise<ResolvedAddress[]> {
  const family = isIP(hostname);
  if (family === 4 || family === 6) return [{ address: hostname, family }];
  let found: ResolvedAddress[];
  try {
    found = await untilAborted(settings.lookup(hostname), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw refuse('The host name could not be resolved.', redirected, { cause: error });
  }
  if (found.length === 0) throw refuse('The host name could not be resolved.', redirected);
  return found;
}

/** A request and the answer it got. */
export type Exchange = { request: ClientRequest; response: IncomingMessage };

/** A request other than the default GET: its method, extra headers and body. */
type Outgoing = { method: string; headers: Record<string, string>; body: Buffer };

function sendRequest(
  url: URL,
  hostname: string,
  addresses: ResolvedAddress[],
  settings: FetchSettings,
  signal: AbortSignal,
  outgoing?: Outgoing,
): Promise<Exchange> {
  // The socket asks this instead of DNS, so it can only ever reach the addresses checked above; with
  // `all` (Node's happy eyeballs) it may try each of them.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    const [first] = addresses;
    if (lookupOptions.all)
      callback(
        null,
        addresses.map(({ address, family }) => ({ address, family })),
      );
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error('no checked address'), { code: 'ENOTFOUND' }), '', 4);
  };
  const common = {
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: outgoing?.method ?? 'GET',
    // The Host header (and SNI below) keep the original name so virtual hosts and certificates work.
    headers: {
      host: url.host,
      'user-agent': settings.userAgent,
      accept: settings.accept,
      'accept-encoding': 'gzip, deflate, br',
      ...(outgoing ? { ...outgoing.headers, 'content-length': String(outgoing.body.length) } : {}),
    },
    lookup: pinned,
    // A pooled socket could outlive this call's checks and be handed to a later call with other rules.
    agent: false as const,
    signal,
  };
  return new Promise<Exchange>((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request({ ...common, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) }) : http.request(common);
    request.once('response', (response) => resolve({ request, response }));
    // Stays attached after the answer arrives so a late socket error is never unhandled.
    request.on('error', reject);
    request.end(outgoing?.body);
  });
}

function decompressor(encoding: string | undefined): Transform | null {
  const name = (encoding ?? '').trim().toLowerCase();
  switch (name) {
    case '':
    case 'identity':
      return null;
    // Flushing at the end instead of failing lets a body cut short (size cap, early close) still
    // give what it held, as browsers do.
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate':
      return zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      throw new MetadataFetchError(`The page is compressed in a way Veille cannot read (${name.slice(0, 40)}).`);
  }
}

/** The body, decompressed, cut at maxBytes: the cap applies after decompression so a small zip bomb stays small. */
export async function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const decoder = decompressor(response.headers['content-encoding']);
  // pipeline forwards an error of either stream to the other, so the loop below sees it.
  const source: Readable = decoder ? pipeline(response, decoder, () => undefined) : response;
  const onAbort = () => source.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      const room = maxBytes - total;
      if (buffer.length >= room) {
        chunks.push(buffer.subarray(0, room));
        total += room;
        break;
      }
      chunks.push(buffer);
      total += buffer.length;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (decoder && !signal.aborted && /^(Z_|ERR__)/.test(code)) throw new MetadataFetchError('The page could not be decompressed.', { cause: error });
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    response.destroy();
  }
  return Buffer.concat(chunks, total);
}
/** An HTTP status as people read it: "404 Not Found". */
export function describeStatus(status: number): string {
  const text = http.STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function reasonForCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'The connection was refused.';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'The connection was closed before the page arrived.';
    case 'ETIMEDOUT':
      return 'The connection timed out.';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'The server could not be reached.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'The host name could not be resolved.';
    case 'EPROTO':
      return 'The secure connection could not be established.';
  }
  if (code.startsWith('HPE_')) return 'The server sent an answer that is not valid HTTP.';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) {
    return "The site's HTTPS certificate could not be verified.";
  }
  return 'The page could not be fetched.';
}

function toFetchError(error: unknown, timedOut: boolean, timeoutMs: number): MetadataFetchError {
  if (error instanceof MetadataFetchError) return error;
  // Whatever broke once the timer fired (aborted socket, reset stream) is the timeout's doing.
  if (timedOut) return new MetadataFetchError(`The page took more than ${formatSeconds(timeoutMs)} to answer.`, { cause: error });
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return new MetadataFetchError(reasonForCode(code), { cause: error });
}

async function open(url: URL, settings: FetchSettings, signal: AbortSignal, redirected: boolean, outgoing?: Outgoing): Promise<Exchange> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = await resolveHost(hostname, settings, signal, redirected);
  if (!settings.allowPrivate) {
    // One bad address is enough: the name could be answered either way on the next resolution.
    const forbidden = addresses.find(({ address }) => isForbiddenAddress(address));
    if (forbidden) {
      throw refuse(`The address resolves to a private network address (${forbidden.address}), which Veille does not fetch.`, redirected);
    }
  }
  return sendRequest(url, hostname, addresses, settings, signal, outgoing);
}
/** The limits of a fetch: the options given, the defaults for the others. */
export function settingsFrom(options: FetchOptions, accept: string): FetchSettings {
  return {
    allowPrivate: options.allowPrivate ?? false,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    lookup: options.lookup ?? systemLookup,
    accept,
  };
}

/**
 * Follows redirects from `url` (each target checked like the first) and hands the final answer,
 * whatever its status, to `read`; the timeout covers the redirects, the connection and the read.
 */
export async function fetchFinal<T>(url: string, settings: FetchSettings, read: (url: URL, exchange: Exchange, signal: AbortSignal) => Promise<T>): Promise<T> {
  let current = checkUrl(url, false);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const exchange = await open(current, settings, controller.signal, redirects > 0);
      const status = exchange.response.statusCode ?? 0;
      const location = exchange.response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) {
        exchange.request.destroy();
        if (redirects >= settings.maxRedirects) throw new MetadataFetchError(`Too many redirects (more than ${settings.maxRedirects}).`);
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new MetadataFetchError('The page redirects to an address that is not valid.');
        }
        // As in browsers, a redirect without a fragment keeps the one the editor pasted.
        if (next.hash === '' && current.hash !== '') next.hash = current.hash;
        current = checkUrl(next, true);
        continue;
      }
      return await read(current, exchange, controller.signal);
    }
  } catch (error) {
    throw toFetchError(error, controller.signal.aborted, settings.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
/** Limits and headers of a `fetchResource` call. */
export type ResourceOptions = FetchOptions & {
  /** The Accept header sent; any type by default. */
  accept?: string;
};

/** What `fetchResource` got: the final answer after redirects, its body decompressed and capped. */
export type FetchedResource = {
  /** URL after redirects. */
  finalUrl: string;
  status: number;
  /** The Content-Type header as sent (parameters such as charset included), or null. */
  contentType: string | null;
  body: Buffer;
  /** True when the body was longer than maxBytes and was cut there. */
  truncated: boolean;
};

/**
 * Fetches any resource (a feed, a file) with the same safety as link previews: http(s) only,
 * every address checked (after each redirect too), time, size and redirects capped. Answers of
 * every status are returned, not thrown; what cannot be fetched throws a MetadataFetchError.
 */
export async function fetchResource(url: string, options: ResourceOptions = {}): Promise<FetchedResource> {
  const settings = settingsFrom(options, options.accept ?? '*/*');
  return fetchFinal(url, settings, async (current, { request, response }, signal) => {
    // One byte more than allowed tells a body of exactly maxBytes from a longer one.
    const body = await readBody(response, settings.maxBytes + 1, signal);
    request.destroy();
    const truncated = body.length > settings.maxBytes;
    return {
      finalUrl: current.href,
      status: response.statusCode ?? 0,
      contentType: response.headers['content-type'] ?? null,
      body: truncated ? body.subarray(0, settings.maxBytes) : body,
      truncated,
    };
  });
}

/** What `postSafely` got back: the status and the start of the answer. */
export type PostResult = { status: number; body: string };

/**
 * POSTs a body to a URL someone else gave (an outgoing webhook) with the fetcher's rules: http(s)
 * only, every address checked before connecting, time and the answer read capped. Redirects are
 * not followed: a 3xx is returned as it is. What cannot be sent throws a MetadataFetchError.
 */
export async function postSafely(url: string, options: FetchOptions & { headers: Record<string, string>; body: string }): Promise<PostResult> {
  const settings = settingsFrom({ maxBytes: 4096, ...options }, '*/*');
  const target = checkUrl(url, false);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  try {
    const outgoing = { method: 'POST', headers: options.headers, body: Buffer.from(options.body) };
    const { request, response } = await open(target, settings, controller.signal, false, outgoing);
    const body = await readBody(response, settings.maxBytes, controller.signal).catch(() => Buffer.alloc(0));
    request.destroy();
    return { status: response.statusCode ?? 0, body: body.toString('utf8') };
  } catch (error) {
    throw toFetchError(error, controller.signal.aborted, settings.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
