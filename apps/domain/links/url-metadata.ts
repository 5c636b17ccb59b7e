// Reads the title, description and language of a page an editor pasted. The server fetching an
// arbitrary URL is an SSRF risk, so every host name is resolved here, every address is checked
// before connecting, the connection goes to the checked address (never to the name again), and
// time, size and redirects are capped.
import dns from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { Parser } from 'htmlparser2';

/** What a link preview needs from a page; every field but finalUrl may be missing. */
export type PageMetadata = {
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** Absolute http(s) URL the page declares as its own address. */
  canonicalUrl: string | null;
  /** BCP 47 tag, e.g. "fr-FR". */
  language: string | null;
  /** URL after redirects. */
  finalUrl: string;
  /** Media type of the final answer without its parameters, e.g. "text/html". */
  contentType: string | null;
};

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
const ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5';
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_TITLE = 500;
const MAX_DESCRIPTION = 2000;
const MAX_SITE_NAME = 500;
const MAX_URL = 2048;
const CHARSET_SNIFF_BYTES = 4096;

// ---------------------------------------------------------------------------------------------
// Address checks

type Prefix = { bytes: number[]; bits: number };

function parseIPv4(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16 bytes of an address that `isIP` already accepted as IPv6 (zone removed). */
function parseIPv6(ip: string): number[] {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = parseIPv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  return { bytes: isIP(address) === 4 ? parseIPv4(address) : parseIPv6(address), bits: Number(bits) };
}

function within(bytes: number[], range: Prefix): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const size = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - size)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

// Not reachable on the public internet, or reaching the host itself, its network or its cloud provider.
const FORBIDDEN_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map(prefix);

// These IPv6 forms carry an IPv4 address that the network (NAT64, 6to4, the kernel for mapped
// addresses) ends up connecting to, so the embedded address is what must be checked.
const EMBEDDED_V4: Array<{ range: Prefix; offset: number }> = [
  { range: prefix('::ffff:0:0/96'), offset: 12 },
  { range: prefix('::ffff:0:0:0/96'), offset: 12 },
  { range: prefix('64:ff9b::/96'), offset: 12 },
  { range: prefix('2002::/16'), offset: 2 },
];

// Only 2000::/3 is global unicast: everything outside it (::, ::1, fc00::/7 including
// fd00:ec2::254, fe80::/10, ff00::/8, 100::/64...) is refused by that rule alone. These are the
// special blocks inside it.
const GLOBAL_UNICAST_V6 = prefix('2000::/3');
const FORBIDDEN_V6 = [
  '2001::/32', // Teredo: tunnels to an obfuscated IPv4 address
  '2001:2::/48', // benchmarking
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation
].map(prefix);

function forbiddenV4(bytes: number[]): boolean {
  return FORBIDDEN_V4.some((range) => within(bytes, range));
}

function forbiddenV6(bytes: number[]): boolean {
  for (const { range, offset } of EMBEDDED_V4) {
    if (within(bytes, range)) return forbiddenV4(bytes.slice(offset, offset + 4));
  }
  if (!within(bytes, GLOBAL_UNICAST_V6)) return true;
  return FORBIDDEN_V6.some((range) => within(bytes, range));
}

/** Whether Veille refuses to connect to this IP address (loopback, private, link-local, metadata, reserved...). */
export function isForbiddenAddress(ip: string): boolean {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  switch (isIP(text)) {
    case 4:
      return forbiddenV4(parseIPv4(text));
    case 6:
      return forbiddenV6(parseIPv6(text));
    default:
      // Not an address we can vouch for.
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching

type Settings = Required<FetchOptions> & { accept: string };

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

async function resolveHost(hostname: string, settings: Settings, signal: AbortSignal, redirected: boolean): Promise<ResolvedAddress[]> {
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

type Exchange = { request: ClientRequest; response: IncomingMessage };

function sendRequest(url: URL, hostname: string, addresses: ResolvedAddress[], settings: Settings, signal: AbortSignal): Promise<Exchange> {
  // The socket asks this instead of DNS, so it can only ever reach the addresses checked above; with
  // `all` (Node's happy eyeballs) it may try each of them.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    const [first] = addresses;
    if (lookupOptions.all) callback(null, addresses.map(({ address, family }) => ({ address, family })));
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error('no checked address'), { code: 'ENOTFOUND' }), '', 4);
  };
  const common = {
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    // The Host header (and SNI below) keep the original name so virtual hosts and certificates work.
    headers: { host: url.host, 'user-agent': settings.userAgent, accept: settings.accept, 'accept-encoding': 'gzip, deflate, br' },
    lookup: pinned,
    // A pooled socket could outlive this call's checks and be handed to a later call with other rules.
    agent: false as const,
    signal,
  };
  return new Promise<Exchange>((resolve, reject) => {
    const request =
      url.protocol === 'https:'
        ? https.request({ ...common, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) })
        : http.request(common);
    request.once('response', (response) => resolve({ request, response }));
    // Stays attached after the answer arrives so a late socket error is never unhandled.
    request.on('error', reject);
    request.end();
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
async function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
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

function mediaType(header: string | undefined): string | null {
  const essence = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === '' ? null : essence;
}

/** For answers without a Content-Type: the few ways an HTML document starts. */
function looksLikeHtml(body: Buffer): boolean {
  const start = body.subarray(0, 1024).toString('latin1').replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '').trimStart().toLowerCase();
  return /^(<!doctype html|<html|<head|<title|<meta|<!--)/.test(start);
}

function describeStatus(status: number): string {
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

async function open(url: URL, settings: Settings, signal: AbortSignal, redirected: boolean): Promise<Exchange> {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = await resolveHost(hostname, settings, signal, redirected);
  if (!settings.allowPrivate) {
    // One bad address is enough: the name could be answered either way on the next resolution.
    const forbidden = addresses.find(({ address }) => isForbiddenAddress(address));
    if (forbidden) {
      throw refuse(`The address resolves to a private network address (${forbidden.address}), which Veille does not fetch.`, redirected);
    }
  }
  return sendRequest(url, hostname, addresses, settings, signal);
}

async function readMetadata(url: URL, { request, response }: Exchange, settings: Settings, signal: AbortSignal): Promise<PageMetadata> {
  const contentTypeHeader = response.headers['content-type'] ?? null;
  const contentType = mediaType(contentTypeHeader ?? undefined);
  const empty: PageMetadata = { title: null, description: null, siteName: null, canonicalUrl: null, language: null, finalUrl: url.href, contentType };
  // A PDF or an image is still a valid link: there is simply nothing to read in it.
  if (contentType !== null && !HTML_TYPES.has(contentType)) {
    request.destroy();
    return empty;
  }
  const body = await readBody(response, settings.maxBytes, signal);
  request.destroy();
  if (contentType === null && !looksLikeHtml(body)) return empty;
  const contentLanguage = response.headers['content-language'];
  return { ...empty, ...parseMetadata(decodeBody(body, contentTypeHeader), url.href, contentLanguage ? { contentLanguage } : {}) };
}

function settingsFrom(options: FetchOptions, accept: string): Settings {
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
async function fetchFinal<T>(url: string, settings: Settings, read: (url: URL, exchange: Exchange, signal: AbortSignal) => Promise<T>): Promise<T> {
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

/** Fetches a pasted URL safely (checked addresses, caps on time, size and redirects) and reads its metadata. */
export async function fetchPageMetadata(url: string, options: FetchOptions = {}): Promise<PageMetadata> {
  const settings = settingsFrom(options, ACCEPT);
  return fetchFinal(url, settings, async (current, exchange, signal) => {
    const status = exchange.response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      exchange.request.destroy();
      throw new MetadataFetchError(`The page answered ${describeStatus(status)}.`);
    }
    return readMetadata(current, exchange, settings, signal);
  });
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

// ---------------------------------------------------------------------------------------------
// Decoding and parsing

/** The WHATWG name of an encoding label, or null when TextDecoder does not know it. */
export function encodingFor(label: string | null | undefined): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

function bomEncoding(bytes: Buffer): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

function headerCharset(contentTypeHeader: string | null): string | null {
  return /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentTypeHeader ?? '')?.[1] ?? null;
}

/** The charset a <meta> tag declares near the start; read as latin1, which keeps every ASCII byte. */
function metaCharset(bytes: Buffer): string | null {
  const head = bytes.subarray(0, CHARSET_SNIFF_BYTES).toString('latin1');
  for (const [tag] of head.matchAll(/<meta\b[^>]*>/gi)) {
    const label = /\bcharset\s*=\s*["']?\s*([^\s"'/>;]+)/i.exec(tag)?.[1];
    const encoding = encodingFor(label);
    // A page that could be read as ASCII to find this tag is not UTF-16, whatever it says (HTML spec).
    if (encoding) return encoding.startsWith('utf-16') ? 'utf-8' : encoding;
  }
  return null;
}

// windows-1252 where it differs from latin1 (bytes 0x80 to 0x9F), from the WHATWG index.
const WINDOWS_1252_C1 = '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** windows-1252, which is also what "iso-8859-1" and "latin1" mean on the web. */
export function decodeWindows1252(bytes: Buffer): string {
  // Node 20.18.3+ and 22.13+ decode this encoding as plain latin1 (nodejs/node#60888), turning
  // curly quotes and the euro sign into control characters: the 32 differing bytes are mapped here.
  return bytes.toString('latin1').replace(/[\u0080-\u009F]/g, (char) => WINDOWS_1252_C1.charAt(char.charCodeAt(0) - 0x80));
}

/** Turns the bytes of an HTML page into text, honouring a BOM, the header's charset, then a <meta> charset. */
export function decodeBody(bytes: Buffer, contentTypeHeader: string | null): string {
  // A BOM comes first, as in the HTML encoding sniffing algorithm: it is proof in the bytes
  // themselves, where a header is often a server default nobody set for this page.
  const encoding = bomEncoding(bytes) ?? encodingFor(headerCharset(contentTypeHeader)) ?? metaCharset(bytes) ?? 'utf-8';
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  return new TextDecoder(encoding).decode(bytes);
}

/** Whitespace collapsed, control characters dropped (PostgreSQL refuses NUL in text), cut at max; null when empty. */
function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  let text = value.replace(/[\u0000-\u0008\u000E-\u001F\u007F]/g, '').replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  if (text.length > max) {
    text = text.slice(0, max);
    // Never leave half of a surrogate pair at the cut.
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    text = text.trimEnd();
  }
  return text;
}

function firstOf(max: number, ...values: Array<string | null | undefined>): string | null {
  for (const value of values) {
    const text = clean(value, max);
    if (text !== null) return text;
  }
  return null;
}

function httpUrl(value: string | null | undefined, base: string): string | null {
  const text = value?.trim();
  if (!text) return null;
  try {
    const url = new URL(text, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.href.length <= MAX_URL ? url.href : null;
  } catch {
    return null;
  }
}

function languageTag(value: string | null | undefined): string | null {
  const text = value?.trim().replace(/_/g, '-');
  if (!text || text.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(text)[0] ?? null;
  } catch {
    return null;
  }
}

/** Reads title, description, site name, canonical URL and language from an HTML document. */
export function parseMetadata(html: string, baseUrl: string, headers: { contentLanguage?: string } = {}): Omit<PageMetadata, 'finalUrl' | 'contentType'> {
  const meta = new Map<string, string>();
  let htmlLang: string | undefined;
  let canonical: string | undefined;
  let base: string | undefined;
  let title: string | undefined;
  let titleText = '';
  let inTitle = false;
  // An <svg> can hold its own <title>, which is a tooltip, not the page's.
  let svgDepth = 0;

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        switch (name) {
          case 'html':
            htmlLang ??= attributes.lang ?? attributes['xml:lang'];
            break;
          case 'meta':
            for (const key of [attributes.property, attributes.name]) {
              const normalized = key?.trim().toLowerCase();
              // The first non-empty value wins, so an empty tag does not hide a later good one.
              if (normalized && !meta.has(normalized) && clean(attributes.content, 1) !== null) meta.set(normalized, attributes.content ?? '');
            }
            break;
          case 'link':
            if (canonical === undefined && attributes.href && (attributes.rel ?? '').toLowerCase().split(/\s+/).includes('canonical')) canonical = attributes.href;
            break;
          case 'base':
            base ??= attributes.href;
            break;
          case 'svg':
            svgDepth += 1;
            break;
          case 'title':
            if (svgDepth === 0 && title === undefined) inTitle = true;
            break;
        }
      },
      ontext(text) {
        if (inTitle) titleText += text;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText;
        } else if (name === 'svg' && svgDepth > 0) {
          svgDepth -= 1;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  // A <title> never closed still names the page, as browsers show it.
  if (inTitle) title = titleText;

  const documentBase = httpUrl(base, baseUrl) ?? baseUrl;
  return {
    title: firstOf(MAX_TITLE, meta.get('og:title'), meta.get('twitter:title'), title),
    description: firstOf(MAX_DESCRIPTION, meta.get('og:description'), meta.get('twitter:description'), meta.get('description')),
    siteName: firstOf(MAX_SITE_NAME, meta.get('og:site_name'), meta.get('application-name')),
    canonicalUrl: httpUrl(canonical, documentBase) ?? httpUrl(meta.get('og:url'), documentBase),
    language: languageTag(htmlLang) ?? languageTag(meta.get('og:locale')) ?? languageTag(headers.contentLanguage?.split(',')[0]),
  };
}
