import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner, signIn, type TestClient } from '../../helpers/client.ts';
import { freePort } from '../../helpers/net.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const BOUNDARY = '----veille-upload-test';
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (name: string, content: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="readers.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n`;

/** Posts a multipart body as the signed-in client's browser would, CSRF field first. */
async function postMultipart(client: TestClient, url: string, body: string, contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
  const payload = field('_csrf', await client.csrfToken()) + body;
  return client.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': contentType, cookie: `veille_session=${client.cookies.get('veille_session')}`, accept: 'text/html' },
  });
}

/**
 * Announces a 20 MB multipart upload, sends its first 64 kB and waits for the status line: a
 * server that reads (or buffers) the body before refusing never answers while the rest is due.
 */
async function statusBeforeBody(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const lines = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
    `Content-Length: ${20 * 1024 * 1024}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n${'a'.repeat(64 * 1024)}`);
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`${path}: no answer while most of the body was still to come`)), 10_000);
      socket.once('data', (chunk) => {
        clearTimeout(guard);
        resolve(String(chunk).split('\r\n')[0]!);
      });
      socket.once('error', reject);
    });
    return answer;
  } finally {
    socket.destroy();
  }
}

test('multipart is read only by the upload routes: everywhere else it is a 415, and a visitor’s upload is refused before its body is read', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  for (const url of ['/subscribe', '/login', '/password-strength', '/admin/links', '/admin/settings']) {
    const response = await postMultipart(owner, url, `${field('email', 'reader@example.org')}--${BOUNDARY}--\r\n`);
    assert.equal(response.statusCode, 415, url);
  }
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  assert.equal(await statusBeforeBody(port, '/subscribe'), 'HTTP/1.1 415 Unsupported Media Type');
  assert.equal(await statusBeforeBody(port, '/admin/subscribers/import'), 'HTTP/1.1 401 Unauthorized');
  assert.equal(await statusBeforeBody(port, '/admin/import'), 'HTTP/1.1 401 Unauthorized');
});

test('an editor’s upload to the owners’ import is refused before it is read', async (t) => {
  const { app, services } = await buildTestApp(t);
  await setUpOwner(app);
  await services.accounts.createUser({
    actor: OPERATOR,
    email: 'camille@example.org',
    name: 'Camille',
    password: 'an editor passphrase long enough',
    role: 'editor',
  });
  const editor = await signIn(app, 'camille@example.org', 'an editor passphrase long enough');
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  assert.equal(await statusBeforeBody(port, '/admin/import', { cookie: `veille_session=${editor.cookies.get('veille_session')}` }), 'HTTP/1.1 403 Forbidden');
});

test('a broken or oversized upload is a 4xx with the reason, and the form to try again', async (t) => {
  const { app, services } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const csv = 'email\nreader@example.org\n';
  const broken: Array<[string, string, number]> = [
    ['truncated', `${file('file', csv)}`.slice(0, 60), 400],
    ['no closing boundary', file('file', csv), 400],
    // A part without a name is skipped: the form then holds no file.
    ['a broken part header', `--${BOUNDARY}\r\nthis is no header\r\n\r\nx\r\n--${BOUNDARY}--\r\n`, 422],
    ['two files', `${file('file', csv)}${file('other', csv)}--${BOUNDARY}--\r\n`, 413],
    ['too many fields', `${Array.from({ length: 12 }, (_, index) => field(`f${index}`, 'x')).join('')}--${BOUNDARY}--\r\n`, 413],
    ['a field over its size', `${field('filename', 'x'.repeat(70_000))}--${BOUNDARY}--\r\n`, 413],
  ];
  for (const url of ['/admin/subscribers/import', '/admin/import']) {
    for (const [what, body, status] of broken) {
      const response = await postMultipart(owner, url, body);
      assert.equal(response.statusCode, status, `${url}: ${what}`);
      assert.match(response.body, /name="file"/, `${url}: ${what}: the form is there to try again`);
    }
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=']) {
      const response = await postMultipart(owner, url, `${file('file', csv)}--${BOUNDARY}--\r\n`, contentType);
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url}: ${contentType}: ${response.statusCode}`);
    }
  }
  const big = await postMultipart(owner, '/admin/subscribers/import', `${file('file', 'a'.repeat(21 * 1024 * 1024))}--${BOUNDARY}--\r\n`);
  assert.equal(big.statusCode, 413);
  assert.match(big.body, /larger than 20 MB/);
  assert.equal((await services.subscribers.counts()).active, 0);

  const good = await postMultipart(owner, '/admin/subscribers/import', `${file('file', csv)}--${BOUNDARY}--\r\n`);
  assert.equal(good.statusCode, 200);
  assert.match(good.body, /<strong>1<\/strong> new/);
});
