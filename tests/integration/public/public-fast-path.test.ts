// The fast path in front of Fastify (apps/web/fast-path.ts), over real HTTP: a page answered
// before is written from the public cache without Fastify, with the very headers and bytes the
// Fastify route sent; anything it does not know reaches Fastify. The first request for a new URL
// of a kept page (a query string the route ignores) is Fastify's answer from the same cache
// entry, the second the fast path's: each pair is compared header by header.
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance, RouteOptions } from 'fastify';
import pino from 'pino';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { editionPath } from '../../../apps/domain/editions/periods.ts';
import { buildEditions } from '../../helpers/edition-app.ts';
import { until } from '../../helpers/wait.ts';

const LONG = 'Un commentaire assez long pour que la page vaille d’être compressée. '.repeat(30);

type Answer = { status: number; headers: Array<[string, string]>; body: Buffer };

/** Sends raw bytes on a new connection and returns every byte answered until the server closes it. */
function exchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The answers in `raw`, in order (bodies by Content-Length; none after a HEAD or a 304). */
function parseAnswers(raw: Buffer, methods: string[]): Answer[] {
  const answers: Answer[] = [];
  let at = 0;
  for (const method of methods) {
    const end = raw.indexOf('\r\n\r\n', at);
    assert.ok(end >= 0, `an answer to ${method}: ${raw.subarray(at).toString()}`);
    const [statusLine = '', ...lines] = raw.subarray(at, end).toString('latin1').split('\r\n');
    const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
    const status = Number(statusLine.split(' ')[1]);
    const length = method === 'HEAD' || status === 304 ? 0 : Number(headers.find(([name]) => name === 'content-length')?.[1] ?? 0);
    answers.push({ status, headers, body: raw.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return answers;
}

/** One request on its own connection. */
async function request(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const method = options.method ?? 'GET';
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: veille.test',
    'Connection: close',
    ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return parseAnswers(await exchange(port, lines.join('\r\n') + '\r\n\r\n'), [method])[0]!;
}

const header = (answer: Answer, name: string) => answer.headers.find(([key]) => key === name)?.[1];
// The date is the only header that differs from one second to the next.
const withoutDate = (answer: Answer) => answer.headers.filter(([name]) => name !== 'date');

/** The editions app listening on a port, with the URLs each Fastify route handler saw. */
async function listening(t: TestContext, options: Parameters<typeof buildEditions>[1] = {}) {
  const reached: string[] = [];
  const onRoute = (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      reached.push(`${request.method} ${request.url}`);
      return handler.call(this, request, reply);
    };
  };
  const built = await buildEditions(t, { ...options, onRoute });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const address = built.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await until('the app listening for changes', async () => built.changes.mode() === 'listening');
  /** Whether Fastify's route handled the request (false: the fast path answered it). */
  const viaFastify = async (path: string, options: { method?: string; headers?: Record<string, string> } = {}) => {
    // Like a browser's next request, this one comes after the app heard of what was committed.
    await built.changes.sync();
    const before = reached.length;
    const answer = await request(port, path, options);
    const method = options.method ?? 'GET';
    return { answer, fastify: reached.slice(before).includes(`${method} ${path}`) };
  };
  return { ...built, port, reached, viaFastify };
}

test('a page answered before is written without Fastify, with the same headers and bytes the Fastify route sent', async (t) => {
  const { publishWith, viaFastify } = await listening(t);
  const { edition } = await publishWith('2024-06', { url: 'https://example.org/long', title: 'Long', commentary: LONG }, { tags: ['iot'] });
  const paths = [editionPath(edition), '/', '/archive', '/tags/iot', '/feed.xml', '/atom.xml', '/feed.json', '/sitemap.xml', '/robots.txt', '/favicon.ico'];
  for (const path of paths) {
    const first = await viaFastify(path);
    assert.equal(first.answer.status, 200, path);
    assert.ok(first.fastify, `${path}: rendered by its route`);
    const plain = await viaFastify(path);
    assert.equal(plain.fastify, false, `${path}: the second request is answered by the fast path`);
    assert.deepEqual(plain.answer.body, first.answer.body, path);
    const etag = header(plain.answer, 'etag')!;
    const lastModified = header(plain.answer, 'last-modified')!;
    const cases: Array<{ what: string; method?: string; headers?: Record<string, string>; status: number }> = [
      { what: 'plain', status: 200 },
      { what: 'gzip', headers: { 'accept-encoding': 'gzip;q=1, br;q=0' }, status: 200 },
      { what: 'brotli', headers: { 'accept-encoding': 'gzip, deflate, br' }, status: 200 },
      { what: 'identity only', headers: { 'accept-encoding': 'identity, *;q=0' }, status: 200 },
      { what: 'HEAD', method: 'HEAD', headers: { 'accept-encoding': 'br' }, status: 200 },
      { what: 'If-None-Match', headers: { 'if-none-match': `"stale", ${etag}` }, status: 304 },
      { what: 'weak If-None-Match, brotli', headers: { 'if-none-match': `W/${etag}`, 'accept-encoding': 'br' }, status: 304 },
      { what: 'If-None-Match of another copy', headers: { 'if-none-match': '"stale"', 'if-modified-since': lastModified }, status: 200 },
      { what: 'If-Modified-Since', headers: { 'if-modified-since': lastModified }, status: 304 },
      { what: 'If-Modified-Since before', headers: { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, status: 200 },
      { what: 'HEAD If-None-Match', method: 'HEAD', headers: { 'if-none-match': etag }, status: 304 },
    ];
    for (const [index, probe] of cases.entries()) {
      // A query string the route ignores: a new URL of the same page.
      const url = `${path}?probe=${index}`;
      const what = `${path} ${probe.what}`;
      const fastify = await viaFastify(url, probe);
      assert.ok(fastify.fastify, `${what}: the first request reaches the route`);
      const fast = await viaFastify(url, probe);
      assert.equal(fast.fastify, false, `${what}: the second one does not`);
      assert.equal(fastify.answer.status, probe.status, what);
      assert.equal(fast.answer.status, probe.status, what);
      // Fastify's HEAD routes add "content-length: 0" to a 304 (a length the page does not have); the fast path sends none, as for a GET.
      const fastifyHeaders = withoutDate(fastify.answer).filter(([name]) => !(name === 'content-length' && probe.method === 'HEAD' && probe.status === 304));
      assert.deepEqual(withoutDate(fast.answer), fastifyHeaders, `${what}: the same headers in the same order`);
      assert.deepEqual(fast.answer.body, fastify.answer.body, what);
      // Readers' pages run no script and frame nothing: their policy allows their stylesheet, images and forms only.
      assert.equal(
        header(fast.answer, 'content-security-policy'),
        "default-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none';img-src 'self' data: https:;style-src 'self'",
        `${what}: the readers' security policy`,
      );
      assert.equal(header(fast.answer, 'x-content-type-options'), 'nosniff', what);
      assert.ok(header(fast.answer, 'date'), `${what}: dated`);
    }
  }
});

test('the fast path chooses the coding, answers HEAD without a body and 304s without content headers', async (t) => {
  const { publishWith, viaFastify } = await listening(t);
  const { edition } = await publishWith('2024-06', { url: 'https://example.org/long', title: 'Long', commentary: LONG });
  const url = editionPath(edition);
  await viaFastify(url);
  const plain = await viaFastify(url);
  const brotli = await viaFastify(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  const gzip = await viaFastify(url, { headers: { 'accept-encoding': 'gzip' } });
  for (const answer of [plain, brotli, gzip]) assert.equal(answer.fastify, false);
  assert.equal(header(plain.answer, 'content-encoding'), undefined);
  assert.equal(header(brotli.answer, 'content-encoding'), 'br');
  assert.equal(header(gzip.answer, 'content-encoding'), 'gzip');
  assert.deepEqual(brotliDecompressSync(brotli.answer.body), plain.answer.body);
  assert.deepEqual(gunzipSync(gzip.answer.body), plain.answer.body);
  for (const answer of [plain, brotli, gzip]) {
    assert.equal(header(answer.answer, 'vary'), 'Accept-Encoding');
    assert.equal(header(answer.answer, 'content-length'), String(answer.answer.body.length));
  }
  const head = await viaFastify(url, { method: 'HEAD' });
  assert.equal(head.fastify, false);
  assert.equal(header(head.answer, 'content-length'), String(plain.answer.body.length));
  const notModified = await viaFastify(url, { headers: { 'if-none-match': header(brotli.answer, 'etag')! } });
  assert.equal(notModified.fastify, false);
  assert.equal(notModified.answer.status, 304);
  assert.equal(header(notModified.answer, 'content-type'), undefined);
  assert.equal(header(notModified.answer, 'content-length'), undefined);
  assert.equal(header(notModified.answer, 'etag'), header(plain.answer, 'etag'));
});

test('a change made in the admin is seen by the next request, which Fastify renders; the one after comes from memory again', async (t) => {
  const { publishWith, viaFastify, services } = await listening(t);
  const { edition, linkId } = await publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: 'Avant la correction.' });
  const url = editionPath(edition);
  await viaFastify(url);
  await viaFastify('/archive');
  const before = await viaFastify(url);
  assert.equal(before.fastify, false);
  assert.match(before.answer.body.toString(), /Avant la correction/);

  await services.links.update({ id: linkId, input: { commentary: 'Après la correction.' } });
  const corrected = await viaFastify(url);
  assert.ok(corrected.fastify, 'the page kept before the change is not answered');
  assert.match(corrected.answer.body.toString(), /Après la correction/);
  assert.notEqual(header(corrected.answer, 'etag'), header(before.answer, 'etag'));
  const again = await viaFastify(url);
  assert.equal(again.fastify, false);
  assert.match(again.answer.body.toString(), /Après la correction/);
  // The old copy is no longer the current one.
  const stale = await viaFastify(url, { headers: { 'if-none-match': header(before.answer, 'etag')! } });
  assert.equal(stale.answer.status, 200);

  // Renaming the newsletter renews every page.
  await services.settings.update({ actor: OPERATOR, input: { ...(await services.settings.get()), newsletterName: 'Le Nouveau Nom' } });
  const archive = await viaFastify('/archive');
  assert.ok(archive.fastify);
  assert.match(archive.answer.body.toString(), /Le Nouveau Nom/);

  // Taken back, the edition is the site's 404 at once, and stays one.
  await services.editions.unpublish({ id: edition.id });
  for (let round = 0; round < 2; round++) {
    const gone = await viaFastify(url);
    assert.equal(gone.answer.status, 404);
    assert.ok(gone.fastify || round > 0);
  }
});

test('what the fast path has not answered before reaches Fastify: other queries and paths, other methods, the admin', async (t) => {
  const { publishWith, viaFastify } = await listening(t);
  await publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: 'Une.' });
  for (const path of ['/archive', '/robots.txt', '/']) await viaFastify(path);

  const unknown = await viaFastify('/archive?utm_source=mail');
  assert.ok(unknown.fastify, 'a query string never seen');
  assert.equal((await viaFastify('/archive?utm_source=mail')).fastify, false, 'then known');
  assert.equal((await viaFastify('/archive?page=2')).answer.status, 404, 'a page the archive does not have');
  assert.ok((await viaFastify('/archive?page=2')).fastify, 'is not kept');
  const invalid = await viaFastify('/archive?page=abc');
  assert.equal(invalid.answer.status, 400, 'an invalid page number is refused by the route');
  assert.equal((await viaFastify('/archive?page=abc')).answer.status, 400, 'and never kept');
  assert.ok((await viaFastify('/archive/')).fastify, 'the same page under another URL');
  assert.equal((await viaFastify('/archive/2024')).answer.status, 200);
  assert.equal((await viaFastify('/archive/12')).answer.status, 404);
  assert.equal((await viaFastify('/nowhere')).answer.status, 404);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
    const other = await viaFastify('/robots.txt', { method, headers: { 'content-length': '0' } });
    assert.equal(other.answer.status, 404, `${method} /robots.txt`);
    assert.equal(header(other.answer, 'etag'), undefined, `${method}: not the kept page`);
  }
  // The admin's own hooks answer: a visitor is sent to sign in, every time.
  for (let round = 0; round < 2; round++) assert.equal((await viaFastify('/admin')).answer.status, 303, 'the admin asks to sign in');
});

test('hostile requests to pages answered from memory get a 2xx, 3xx or 4xx, never a 5xx', async (t) => {
  const { viaFastify, port, publishWith, reached } = await listening(t);
  const { edition } = await publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: LONG });
  const url = editionPath(edition);
  for (const path of [url, '/archive', '/robots.txt']) await viaFastify(path);
  const raw = (lines: string[], body = '') => lines.join('\r\n') + '\r\n\r\n' + body;
  // `fast`: answered from memory, Fastify's routes see none of it.
  const requests: Array<{ what: string; bytes: string; methods: string[]; status?: number[]; fast?: boolean }> = [
    { what: 'absolute form', bytes: raw(['GET http://veille.test/archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['GET'] },
    { what: 'double slash', bytes: raw(['GET //archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['GET'] },
    { what: 'broken escape', bytes: raw(['GET /archive?%zz HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['GET'] },
    { what: 'encoded NUL', bytes: raw([`GET ${url}%00 HTTP/1.1`, 'Host: veille.test', 'Connection: close']), methods: ['GET'] },
    { what: 'dot segments', bytes: raw(['GET /x/../archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['GET'] },
    { what: 'HTTP/1.0 without Host', bytes: raw(['GET /robots.txt HTTP/1.0']), methods: ['GET'], status: [200], fast: true },
    {
      what: 'garbage validators',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', `If-None-Match: ${'"x",'.repeat(500)}`, 'If-Modified-Since: tomorrow']),
      methods: ['GET'],
      status: [200],
      fast: true,
    },
    {
      what: 'If-None-Match: *',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', 'If-None-Match: *']),
      methods: ['GET'],
      status: [304],
      fast: true,
    },
    {
      what: 'a date far ahead',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', 'If-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT']),
      methods: ['GET'],
      status: [304],
      fast: true,
    },
    {
      what: 'odd codings',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', `Accept-Encoding: br;q=nan, gzip;q=-1, ${','.repeat(4000)}, *;q=0.5;q=1`]),
      methods: ['GET'],
      status: [200],
      fast: true,
    },
    {
      what: 'two If-None-Match lines',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', 'If-None-Match: "a"', 'If-None-Match: "b"']),
      methods: ['GET'],
      status: [200],
      fast: true,
    },
    {
      what: 'a range',
      bytes: raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Connection: close', 'Range: bytes=0-10']),
      methods: ['GET'],
      status: [200],
      fast: true,
    },
    {
      what: 'a control character in a header',
      bytes: raw(['GET /archive HTTP/1.1', 'Host: veille.test', 'Connection: close', 'X-Note: a\u0007b']),
      methods: ['GET'],
    },
    {
      what: 'a body on a GET, then a pipelined HEAD and GET',
      bytes:
        raw([`GET ${url} HTTP/1.1`, 'Host: veille.test', 'Content-Length: 5'], 'hello') +
        raw(['HEAD /archive HTTP/1.1', 'Host: veille.test']) +
        raw(['GET /robots.txt HTTP/1.1', 'Host: veille.test', 'Connection: close']),
      methods: ['GET', 'HEAD', 'GET'],
      status: [200],
      fast: true,
    },
    {
      what: 'a chunked body on a GET',
      bytes:
        raw([`GET /robots.txt HTTP/1.1`, 'Host: veille.test', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n') +
        raw(['GET /archive HTTP/1.1', 'Host: veille.test', 'Connection: close']),
      methods: ['GET', 'GET'],
      status: [200],
      fast: true,
    },
    { what: 'a method Node does not know', bytes: raw(['BREW /archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['BREW'] },
    { what: 'a lower-case method', bytes: raw(['get /archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['get'] },
    { what: 'TRACE', bytes: raw(['TRACE /archive HTTP/1.1', 'Host: veille.test', 'Connection: close']), methods: ['TRACE'], status: [404] },
  ];
  for (const hostile of requests) {
    const before = reached.length;
    const answers = parseAnswers(await exchange(port, hostile.bytes), hostile.methods);
    if (hostile.fast) assert.deepEqual(reached.slice(before), [], `${hostile.what}: answered from memory`);
    for (const answer of answers) {
      assert.ok(answer.status >= 200 && answer.status < 500, `${hostile.what}: ${answer.status}`);
      if (hostile.status) assert.ok(hostile.status.includes(answer.status), `${hostile.what}: ${answer.status}`);
    }
  }
});

test('answers from memory are logged as Fastify logs them, with request ids of the same sequence', async (t) => {
  const lines: Array<{ level: number; reqId?: string; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const { viaFastify } = await listening(t, { logger: pino({ level: 'info' }, sink) });
  for (let round = 0; round < 2; round++) {
    await viaFastify('/robots.txt');
    await viaFastify('/favicon.ico');
  }
  await until('the lines written', async () => lines.filter((line) => line.msg.startsWith('GET /robots.txt 200 ')).length === 2);
  const robots = lines.filter((line) => line.msg.startsWith('GET /robots.txt 200 '));
  assert.equal(robots.length, 2, 'one line per answer, from Fastify and from memory');
  assert.ok(robots.every((line) => line.level === 30 && /^req-[0-9a-z]+$/.test(line.reqId ?? '')));
  assert.notEqual(robots[0]!.reqId, robots[1]!.reqId);
  assert.equal(lines.filter((line) => line.msg.startsWith('GET /favicon.ico')).length, 0, 'the favicon is logged at debug level only');
});
