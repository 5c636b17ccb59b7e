import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeFeed, PublicChange } from '../domain/platform/changes.ts';

/** What a route renders for the cache: the bytes, their type, when what they show last changed, and what they show. */
export type BuiltPage = {
  body: string | Buffer;
  type: string;
  lastModified: Date;
  /** `edition:<id>` for a page of one edition, `editions` for a page that lists them; none: only a change to everything renews it. */
  tags: string[];
  /** How long browsers may keep it without asking again; by default they ask every time (and get a 304). */
  cacheControl?: string;
};

type Encoding = 'br' | 'gzip' | 'identity';
/**
 * One answer as the route sends it (`headers`, to which Fastify adds the app's own and the
 * length), and as the fast path writes it: `head`, every header of the answer in that same order
 * as a flat [name, value, ...] list, assembled once.
 */
type Variant = { body: Buffer; headers: Record<string, string>; head: string[] };
type Entry = {
  tags: string[];
  etags: Set<string>;
  lastModifiedMs: number;
  variants: Record<Encoding, Variant>;
  notModified: Record<string, string>;
  notModifiedHead: string[];
};

const compressGzip = promisify(gzip);
const compressBrotli = promisify(brotliCompress);
// Below this, compressing saves less than the headers it adds.
const MIN_COMPRESSED_BYTES = 1024;

/** The strong validator of a body: the same bytes give the same ETag on every instance. */
function etagOf(body: Buffer, suffix = ''): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}${suffix}"`;
}

/** The flat header list of an answer: the app's headers, then the page's, then its length (as Fastify orders them). */
function headOf(common: Record<string, string>, own: Record<string, string>, length?: number): string[] {
  const head = Object.entries({ ...common, ...own }).flat();
  if (length !== undefined) head.push('content-length', String(length));
  return head;
}

/** The bytes of a page and its compressed variants, with every header each answer carries (`common`: the app's own, first). */
async function prepare(built: BuiltPage, common: Record<string, string>): Promise<Entry> {
  const body = Buffer.isBuffer(built.body) ? built.body : Buffer.from(built.body);
  const lastModified = new Date(Math.floor(built.lastModified.getTime() / 1000) * 1000);
  const base = {
    'content-type': built.type,
    'last-modified': lastModified.toUTCString(),
    'cache-control': built.cacheControl ?? 'public, no-cache',
    vary: 'Accept-Encoding',
  };
  const variantOf = (bytes: Buffer, headers: Record<string, string>): Variant => ({ body: bytes, headers, head: headOf(common, headers, bytes.length) });
  const identity = variantOf(body, { ...base, etag: etagOf(body) });
  const variants: Record<Encoding, Variant> = { identity, gzip: identity, br: identity };
  if (body.length >= MIN_COMPRESSED_BYTES) {
    // Off the event loop (zlib's thread pool), once per change of the page: the best ratio is affordable.
    const [gzipped, brotli] = await Promise.all([
      compressGzip(body, { level: 9 }),
      compressBrotli(body, {
        params: {
          [zlib.BROTLI_PARAM_QUALITY]: body.length <= 512 * 1024 ? 11 : 6,
          [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
          [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
    ]);
    const variant = (compressed: Buffer, coding: string): Variant =>
      compressed.length < body.length ? variantOf(compressed, { ...base, etag: etagOf(body, `-${coding}`), 'content-encoding': coding }) : identity;
    variants.gzip = variant(gzipped, 'gzip');
    variants.br = variant(brotli, 'br');
  }
  const { 'content-type': _type, ...notModified } = identity.headers;
  return {
    tags: built.tags,
    etags: new Set(Object.values(variants).map((v) => v.headers.etag!)),
    lastModifiedMs: lastModified.getTime(),
    variants,
    notModified,
    notModifiedHead: headOf(common, notModified),
  };
}

/** The coding to answer an Accept-Encoding with: brotli, else gzip, as the client weighs them (q=0 refuses). */
export function chooseEncoding(header: string): Encoding {
  const weights: Partial<Record<string, number>> = {};
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    weights[name] = Number.isFinite(weight) ? weight : 0;
  }
  const weight = (coding: string) => weights[coding] ?? (coding === 'gzip' ? weights['x-gzip'] : undefined) ?? weights['*'] ?? 0;
  const br = weight('br');
  const gz = weight('gzip');
  if (br > 0 && br >= gz) return 'br';
  return gz > 0 ? 'gzip' : 'identity';
}

/** Whether the client's copy is the current one (If-None-Match first, else If-Modified-Since). */
function notModified(headers: IncomingHttpHeaders, entry: Entry): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch) return ifNoneMatch.split(',').some((tag) => entry.etags.has(tag.trim().replace(/^W\//, '')) || tag.trim() === '*');
  const ifModifiedSince = headers['if-modified-since'];
  return Boolean(ifModifiedSince && Date.parse(ifModifiedSince) >= entry.lastModifiedMs);
}

/**
 * Public pages rendered once and answered from memory until what they show changes: the
 * database notifies every web process of a change (ChangeFeed), so that a reader's request does
 * no query at all, and a correction shows at once on every instance. Each page is kept with its
 * gzip and brotli variants, chosen by Accept-Encoding, and answers conditional requests with 304.
 */
export function createPublicCache(options: {
  changes: ChangeFeed;
  /** The headers the app adds to every answer (the security headers): the fast path writes them too. */
  headers?: Record<string, string>;
  maxEntries?: number;
  maxAliases?: number;
}) {
  const common = options.headers ?? {};
  const maxEntries = options.maxEntries ?? 500;
  const maxAliases = options.maxAliases ?? 2000;
  const entries = new Map<string, Entry>();
  // A page's key comes from what its route parsed; the URLs already seen map to it directly, so
  // that a known URL is answered without parsing anything.
  const aliases = new Map<string, string>();
  const building = new Map<string, Promise<Entry>>();
  const encodings = new Map<string, Encoding>();
  // Moves with every change: a page rendered while a change came in is answered, not kept.
  let epoch = 0;

  const unsubscribe = options.changes.subscribe((change: PublicChange) => {
    epoch++;
    building.clear();
    if (change.scope === 'all') {
      entries.clear();
      aliases.clear();
      return;
    }
    const own = `edition:${change.editionId}`;
    for (const [key, entry] of entries) if (entry.tags.includes('editions') || entry.tags.includes(own)) entries.delete(key);
  });

  function encodingFor(header: string | undefined): Encoding {
    if (!header) return 'identity';
    let found = encodings.get(header);
    if (found === undefined) {
      found = chooseEncoding(header);
      if (encodings.size >= 100) encodings.clear();
      encodings.set(header, found);
    }
    return found;
  }

  function send(request: FastifyRequest, reply: FastifyReply, entry: Entry): FastifyReply {
    if (notModified(request.headers, entry)) return reply.code(304).headers(entry.notModified).send();
    const variant = entry.variants[encodingFor(request.headers['accept-encoding'])];
    return reply.headers(variant.headers).send(variant.body);
  }

  function store(key: string, entry: Entry): void {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, entry);
  }

  return {
    /** The headers of the app every answer carries, first (the fast path writes them too). */
    headers: common,

    /** Answers from memory when this URL was answered before and nothing it shows changed since; undefined otherwise. */
    answer(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
      const key = aliases.get(request.url);
      const entry = key === undefined ? undefined : entries.get(key);
      return entry ? send(request, reply, entry) : undefined;
    },

    /**
     * The same answer as `answer`, written straight to Node's response for a GET or HEAD of a URL
     * answered before: one writeHead with the prepared header list, one end. False when it is not
     * such a request (nothing written): Fastify answers it.
     */
    answerRaw(request: IncomingMessage, response: ServerResponse): boolean {
      const method = request.method;
      if (method !== 'GET' && method !== 'HEAD') return false;
      const key = aliases.get(request.url!);
      const entry = key === undefined ? undefined : entries.get(key);
      if (!entry) return false;
      if (notModified(request.headers, entry)) {
        response.writeHead(304, entry.notModifiedHead);
        response.end();
        return true;
      }
      const variant = entry.variants[encodingFor(request.headers['accept-encoding'])];
      response.writeHead(200, variant.head);
      if (method === 'HEAD') response.end();
      else response.end(variant.body);
      return true;
    },

    /** Answers the page kept under `key`, built once by `build` (concurrent requests share the build) when there is none. */
    async serve(request: FastifyRequest, reply: FastifyReply, key: string, build: () => Promise<BuiltPage>): Promise<FastifyReply> {
      let entry = entries.get(key);
      if (!entry) {
        let pending = building.get(key);
        if (!pending) {
          const startedAt = epoch;
          const started: Promise<Entry> = build()
            .then((built) => prepare(built, common))
            .then((prepared) => {
              if (epoch === startedAt) store(key, prepared);
              return prepared;
            })
            .finally(() => {
              if (building.get(key) === started) building.delete(key);
            });
          building.set(key, started);
          pending = started;
        }
        entry = await pending;
      }
      if (entries.get(key) === entry) {
        if (aliases.size >= maxAliases) aliases.delete(aliases.keys().next().value!);
        aliases.set(request.url, key);
      }
      return send(request, reply, entry);
    },

    /** Stops following changes (the app is closing). */
    close: () => unsubscribe(),
  };
}

export type PublicCache = ReturnType<typeof createPublicCache>;
