import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { MetadataFetchError, type FetchOptions } from '../../../apps/domain/links/safe-fetch.ts';
import { fetchPageMetadata } from '../../../apps/domain/links/url-metadata.ts';
import { freePort } from '../../helpers/net.ts';

const PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Fallback</title>
<meta property="og:title" content="Veille &ndash; Juin 2024">
<meta property="og:description" content="Web, Ops, IoT et Time Series">
<meta property="og:site_name" content="Blog">
<link rel="canonical" href="/canonical">
</head><body><p>Bonjour</p></body></html>`;

const HUGE_BYTES = 5 * 1024 * 1024;

type Seen = { path: string; host: string | undefined; userAgent: string | undefined; accept: string | undefined; acceptEncoding: string | undefined };

const seen: Seen[] = [];
const huge = { sent: 0, closed: false, finished: false };
const slow = { closed: false };
// A few kB that inflate to 20 MB: the size cap must hold on decompressed bytes.
const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('<html><head><title>Bomb</title></head><body>'), Buffer.alloc(20 * 1024 * 1024, ' ')]));

let server: http.Server;
let port: number;
let origin: string;

function drained(response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

async function streamHuge(response: http.ServerResponse): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(HUGE_BYTES) });
  response.on('close', () => {
    huge.closed = true;
  });
  const head = Buffer.from('<html><head><title>Huge</title></head><body>');
  response.write(head);
  huge.sent = head.length;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  while (huge.sent < HUGE_BYTES && !response.destroyed) {
    const size = Math.min(chunk.length, HUGE_BYTES - huge.sent);
    const flushed = response.write(chunk.subarray(0, size));
    huge.sent += size;
    // Pacing keeps socket buffers from swallowing the whole page before the client can hang up.
    if (flushed) await sleep(1);
    else await drained(response);
  }
  if (!response.destroyed) {
    response.end();
    huge.finished = true;
  }
}

function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  seen.push({
    path: url.pathname,
    host: request.headers.host,
    userAgent: request.headers['user-agent'],
    accept: request.headers.accept,
    acceptEncoding: request.headers['accept-encoding'],
  });
  const html = (body: string | Buffer, type = 'text/html; charset=utf-8') => {
    response.writeHead(200, { 'content-type': type });
    response.end(body);
  };
  const redirect = /^\/redirect\/(\d+)$/.exec(url.pathname);
  if (redirect) {
    const left = Number(redirect[1]);
    // Relative Location: resolved against the current URL.
    if (left > 0) response.writeHead(302, { location: `${left - 1}` }).end();
    else html(PAGE);
    return;
  }
  switch (url.pathname) {
    case '/page':
      return html(PAGE);
    case '/latin1':
      return html(Buffer.from('<html><head><title>Données publiques</title></head></html>', 'latin1'), 'text/html; charset=ISO-8859-1');
    case '/meta-latin1':
      return html(Buffer.from('<html><head><meta charset=iso-8859-1><title>Données &amp; métriques</title></head></html>', 'latin1'), 'text/html');
    case '/language':
      response.writeHead(200, { 'content-type': 'text/html', 'content-language': 'de' });
      return void response.end('<title>Sprache</title>');
    case '/no-type':
      response.writeHead(200);
      return void response.end('<!DOCTYPE html><title>Untyped</title>');
    case '/to-ftp':
      return void response.writeHead(301, { location: 'ftp://example.org/file.txt' }).end();
    case '/to-file':
      return void response.writeHead(302, { location: 'file:///etc/passwd' }).end();
    case '/to-other-name':
      return void response.writeHead(307, { location: `http://other.test:${port}/page` }).end();
    case '/to-unresolvable':
      return void response.writeHead(302, { location: `http://nowhere.test:${port}/page` }).end();
    case '/slow': {
      response.on('close', () => {
        slow.closed = true;
      });
      const timer = setTimeout(() => html(PAGE), 3000);
      response.on('close', () => clearTimeout(timer));
      return;
    }
    case '/slow-body': {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write('<html><head>');
      const timer = setTimeout(() => response.end('<title>Late</title></head></html>'), 3000);
      response.on('close', () => clearTimeout(timer));
      return;
    }
    case '/huge':
      void streamHuge(response);
      return;
    case '/gzip':
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' });
      return void response.end(zlib.gzipSync(Buffer.from(PAGE)));
    case '/deflate':
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'deflate' });
      return void response.end(zlib.deflateSync(Buffer.from(PAGE)));
    case '/br':
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'br' });
      return void response.end(zlib.brotliCompressSync(Buffer.from(PAGE)));
    case '/bad-gzip':
      response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return void response.end('this is not gzip at all');
    case '/bomb':
      response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return void response.end(bomb);
    case '/pdf':
      response.writeHead(200, { 'content-type': 'application/pdf' });
      return void response.end('%PDF-1.7\n<title>not html</title>');
    case '/gone':
      return void response.writeHead(410).end('gone');
    case '/error':
      return void response.writeHead(500).end('<title>Oops</title>');
    default:
      response.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not here</title>');
  }
}

before(async () => {
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const local: FetchOptions = { allowPrivate: true };

async function failure(url: string, options: FetchOptions = {}): Promise<string> {
  const error = await fetchPageMetadata(url, options).then(
    () => assert.fail(`${url} was fetched`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof MetadataFetchError, `${url}: ${String(error)}`);
  return error.reason;
}

test('a normal page: metadata, headers sent, final URL and content type', async () => {
  const metadata = await fetchPageMetadata(`${origin}/page?x=1#part`, local);
  assert.deepEqual(metadata, {
    title: 'Veille – Juin 2024',
    description: 'Web, Ops, IoT et Time Series',
    siteName: 'Blog',
    canonicalUrl: `${origin}/canonical`,
    language: 'fr',
    finalUrl: `${origin}/page?x=1#part`,
    contentType: 'text/html',
  });
  const request = seen.findLast((entry) => entry.path === '/page');
  assert.equal(request?.userAgent, 'Veille/0.1 (+link preview)');
  assert.equal(request?.accept, 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5');
  assert.equal(request?.acceptEncoding, 'gzip, deflate, br');
  assert.equal(request?.host, `127.0.0.1:${port}`);

  const custom = await fetchPageMetadata(`${origin}/page`, { ...local, userAgent: 'Test/1' });
  assert.equal(custom.title, 'Veille – Juin 2024');
  assert.equal(seen.findLast((entry) => entry.path === '/page')?.userAgent, 'Test/1');
});

test('ISO-8859-1 pages read right, from the header charset or from <meta charset>', async () => {
  assert.equal((await fetchPageMetadata(`${origin}/latin1`, local)).title, 'Données publiques');
  assert.equal((await fetchPageMetadata(`${origin}/meta-latin1`, local)).title, 'Données & métriques');
});

test('the Content-Language header is the last source of the language', async () => {
  assert.equal((await fetchPageMetadata(`${origin}/language`, local)).language, 'de');
});

test('an answer without Content-Type is parsed when it looks like HTML', async () => {
  const metadata = await fetchPageMetadata(`${origin}/no-type`, local);
  assert.equal(metadata.title, 'Untyped');
  assert.equal(metadata.contentType, null);
});

test('redirects: three relative hops are followed, five too, six are too many', async () => {
  const three = await fetchPageMetadata(`${origin}/redirect/3`, local);
  assert.equal(three.finalUrl, `${origin}/redirect/0`);
  assert.equal(three.title, 'Veille – Juin 2024');
  assert.equal((await fetchPageMetadata(`${origin}/redirect/5`, local)).finalUrl, `${origin}/redirect/0`);
  assert.equal(await failure(`${origin}/redirect/6`, local), 'Too many redirects (more than 5).');
  assert.equal(await failure(`${origin}/redirect/2`, { ...local, maxRedirects: 1 }), 'Too many redirects (more than 1).');
});

test('a redirect to another scheme is refused', async () => {
  assert.equal(await failure(`${origin}/to-ftp`, local), 'After a redirect, only http and https addresses can be fetched.');
  assert.equal(await failure(`${origin}/to-file`, local), 'After a redirect, only http and https addresses can be fetched.');
});

test('every redirect target is resolved again through the checked lookup', async () => {
  const asked: string[] = [];
  const lookup: FetchOptions['lookup'] = async (hostname) => {
    asked.push(hostname);
    if (hostname === 'other.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const metadata = await fetchPageMetadata(`${origin}/to-other-name`, { ...local, lookup });
  assert.equal(metadata.finalUrl, `http://other.test:${port}/page`);
  assert.deepEqual(asked, ['other.test']);
  assert.equal(await failure(`${origin}/to-unresolvable`, { ...local, lookup }), 'After a redirect, the host name could not be resolved.');
});

test('the time cap covers a page that does not answer and a body that stalls', async () => {
  let started = performance.now();
  assert.equal(await failure(`${origin}/slow`, { ...local, timeoutMs: 500 }), 'The page took more than 0.5 s to answer.');
  assert.ok(performance.now() - started < 2000, 'gave up on time');
  started = performance.now();
  assert.equal(await failure(`${origin}/slow-body`, { ...local, timeoutMs: 500 }), 'The page took more than 0.5 s to answer.');
  assert.ok(performance.now() - started < 2000, 'gave up on time');
  // The socket was closed, not left hanging until the server gives up.
  await sleep(50);
  assert.equal(slow.closed, true);
});

test('a 5 MB page is read up to the size cap, then the connection is closed', async () => {
  const started = performance.now();
  const metadata = await fetchPageMetadata(`${origin}/huge`, local);
  assert.equal(metadata.title, 'Huge');
  assert.ok(performance.now() - started < 5000);
  await sleep(100);
  assert.equal(huge.closed, true, 'the server saw the connection closed');
  assert.equal(huge.finished, false, 'the server never got to send the whole page');
  assert.ok(huge.sent < HUGE_BYTES, `server sent ${huge.sent} bytes`);

  const small = await fetchPageMetadata(`${origin}/huge`, { ...local, maxBytes: 23 });
  assert.equal(small.title, 'Huge', 'a title cut short is still a title');
});

test('gzip, deflate and brotli bodies are decompressed, and the cap holds on decompressed bytes', async () => {
  for (const path of ['/gzip', '/deflate', '/br']) {
    const metadata = await fetchPageMetadata(`${origin}${path}`, local);
    assert.equal(metadata.title, 'Veille – Juin 2024', path);
    assert.equal(metadata.language, 'fr', path);
  }
  const started = performance.now();
  assert.equal((await fetchPageMetadata(`${origin}/bomb`, { ...local, maxBytes: 64 * 1024 })).title, 'Bomb');
  assert.ok(performance.now() - started < 2000);
  assert.equal(await failure(`${origin}/bad-gzip`, local), 'The page could not be decompressed.');
});

test('a non-HTML answer is a valid link with no metadata', async () => {
  assert.deepEqual(await fetchPageMetadata(`${origin}/pdf`, local), {
    title: null,
    description: null,
    siteName: null,
    canonicalUrl: null,
    language: null,
    finalUrl: `${origin}/pdf`,
    contentType: 'application/pdf',
  });
});

test('a non-2xx answer is an error that names the status', async () => {
  assert.equal(await failure(`${origin}/missing`, local), 'The page answered 404 Not Found.');
  assert.equal(await failure(`${origin}/gone`, local), 'The page answered 410 Gone.');
  assert.equal(await failure(`${origin}/error`, local), 'The page answered 500 Internal Server Error.');
});

test('network failures give a short reason', async () => {
  const closedPort = await freePort();
  assert.equal(await failure(`http://127.0.0.1:${closedPort}/`, local), 'The connection was refused.');
  const unresolvable = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  assert.equal(await failure('http://does-not-exist.test/', { lookup: unresolvable }), 'The host name could not be resolved.');
  assert.equal(await failure('http://empty.test/', { lookup: async () => [] }), 'The host name could not be resolved.');
  // A resolver that hangs is still bounded by the time cap.
  const hanging = () => new Promise<never>(() => undefined);
  assert.equal(await failure('http://hang.test/', { lookup: hanging, timeoutMs: 200 }), 'The page took more than 0.2 s to answer.');
});

test('SSRF: the local server is refused by address, by name and by IPv6 loopback', async () => {
  const requestsBefore = seen.length;
  assert.equal(await failure(`${origin}/page`), 'The address resolves to a private network address (127.0.0.1), which Veille does not fetch.');
  assert.match(
    await failure(`http://localhost:${port}/page`),
    /^The address resolves to a private network address \((127\.0\.0\.1|::1)\), which Veille does not fetch\.$/,
  );
  assert.equal(await failure(`http://[::1]:${port}/page`), 'The address resolves to a private network address (::1), which Veille does not fetch.');
  assert.equal(await failure(`http://2130706433:${port}/page`), 'The address resolves to a private network address (127.0.0.1), which Veille does not fetch.');
  assert.equal(seen.length, requestsBefore, 'no request reached the server');
});

test('SSRF: a name resolving to a private address, or to a public and a private one, is refused', async () => {
  const requestsBefore = seen.length;
  const rebind: FetchOptions['lookup'] = async () => [{ address: '127.0.0.1', family: 4 }];
  assert.equal(
    await failure(`http://rebind.test:${port}/page`, { lookup: rebind }),
    'The address resolves to a private network address (127.0.0.1), which Veille does not fetch.',
  );
  const mixed: FetchOptions['lookup'] = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.5', family: 4 },
  ];
  assert.equal(
    await failure('http://mixed.test/', { lookup: mixed }),
    'The address resolves to a private network address (10.0.0.5), which Veille does not fetch.',
  );
  const metadataV6: FetchOptions['lookup'] = async () => [{ address: 'fd00:ec2::254', family: 6 }];
  assert.equal(
    await failure('http://imds.test/', { lookup: metadataV6 }),
    'The address resolves to a private network address (fd00:ec2::254), which Veille does not fetch.',
  );
  assert.equal(seen.length, requestsBefore, 'no request reached the server');
});

test('the connection goes to the checked address while Host keeps the name', async () => {
  // site.test exists in no DNS: the page can only arrive if the socket used the address the lookup gave.
  let lookups = 0;
  const lookup: FetchOptions['lookup'] = async (hostname) => {
    lookups += 1;
    assert.equal(hostname, 'site.test');
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const metadata = await fetchPageMetadata(`http://site.test:${port}/page`, { ...local, lookup });
  assert.equal(metadata.title, 'Veille – Juin 2024');
  assert.equal(metadata.canonicalUrl, `http://site.test:${port}/canonical`);
  assert.equal(seen.findLast((entry) => entry.path === '/page')?.host, `site.test:${port}`);
  assert.equal(lookups, 1, 'the name was resolved once, by the check');
});
